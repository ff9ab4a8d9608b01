// src/agent/network: the node's pod network (bridge, veth, netns, host-local IPAM, masquerade),
// the service proxy (nftables DNAT for ClusterIP/NodePort) and cluster DNS. Talks to the kernel
// only through the `ip` and `nft` commands; knows nothing of the API server or informers (the
// kubelet feeds it rules and lookups).
export * from './bridge-network.js';
export * from './cidr.js';
export * from './cluster-dns.js';
export * from './dns-answer.js';
export * from './dns-message.js';
export * from './exec.js';
export * from './ipam.js';
export * from './nft-service-proxy.js';
export * from './resolv-conf.js';
export * from './service-rules.js';
export * from './sysctl.js';
