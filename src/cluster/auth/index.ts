// Authentication for the API server: the PKI it serves HTTPS with (self-generated CA and server
// certificate), bearer tokens (admin and node join tokens) and the kubeconfig handed to kubectl.
// This folder must not decide authorization (who may do what) nor log any token or key.
export { canonicalHost, certificateHosts, type EnsurePkiOptions, ensurePki, type Pki } from './ca.js';
export {
  type KubeconfigCredentials,
  type KubeconfigInput,
  type ParsedKubeconfig,
  parseKubeconfig,
  readKubeconfig,
  renderKubeconfig,
  SERVERS_EXTENSION,
  writeKubeconfig,
} from './kubeconfig.js';
export { ADMIN_IDENTITY, bearerToken, type Identity, NODE_IDENTITY, TokenStore } from './tokens.js';
