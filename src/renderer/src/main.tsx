import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useStore } from './store';
import { pickTransport } from './transport/pick-transport';
import './styles.css';

const transport = pickTransport();
if ('error' in transport) useStore.setState({ error: { title: 'Not connected', message: transport.error } });
else useStore.getState().init(transport);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
