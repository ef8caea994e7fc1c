// How serve mode uploads a file: POST /api/openVideo with the raw bytes as the
// body (application/octet-stream) and the rest of the openVideo request,
// {taskId, name, options}, as URI-encoded JSON in this header.
export const UPLOAD_REQUEST_HEADER = 'x-wfvae-request';
