export const KEADM_USAGE = `Usage: keadm <command> [flags]

keadm installs kubeedge-ts on this host: a cloud (cloudcore with its embedded control plane, or
against an existing cluster) and edge nodes that join it.

Commands:
  init       generate the CA, cloudcore's certificates and config, then run cloudcore
  gettoken   print the token edge nodes join with
  join       join this host to a cloudcore as an edge node, then run edgecore
  reset      remove what init or join created on this host

Run 'keadm <command> --help' for the flags of a command.
`;

export const INIT_USAGE = `Usage: keadm init [flags]

Generates the KubeEdge CA and cloudcore's certificates (kept if present), writes
DATA_DIR/config/cloudcore.yaml and runs cloudcore in the foreground (Ctrl-C stops it). Without
--kubeconfig cloudcore starts its embedded control plane.

Flags:
  --data-dir DIR                cloud state directory (default $KUBEEDGE_HOME/cloud, KUBEEDGE_HOME defaults to ./.kubeedge)
  --advertise-address IP[,IP]   addresses edges reach cloudcore on (put in its certificate; default 127.0.0.1)
  --kubeconfig FILE             use this cluster instead of the embedded control plane
  --cloudhub-port N             cloudhub WebSocket port (default 10000)
  --certs-port N                certificate server port (default 10002)
  --apiserver-bind HOST:PORT    embedded API server address (default 127.0.0.1:6443)
  --monitor-bind HOST:PORT      monitor server with /metrics (default 127.0.0.1:9091)
  -h, --help                    show this help
`;

export const GETTOKEN_USAGE = `Usage: keadm gettoken [--data-dir DIR | --kubeconfig FILE]

Prints the token edge nodes join with (secret kubeedge/tokensecret, kept fresh by cloudcore).

Flags:
  --data-dir DIR      cloud state directory; reads with DIR/admin.kubeconfig (default $KUBEEDGE_HOME/cloud)
  --kubeconfig FILE   read with this kubeconfig instead (external cluster)
  -h, --help          show this help
`;

export const JOIN_USAGE = `Usage: keadm join --cloudcore-ipport IP:PORT --token TOKEN [flags]

Fetches the cloud's CA and checks it against the token, gets this node's certificate, writes
DATA_DIR/config/edgecore.yaml and runs edgecore in the foreground (Ctrl-C stops it).

Flags:
  --cloudcore-ipport IP:PORT   cloudhub's address (its WebSocket port, 10000 by default)
  --token TOKEN                the output of 'keadm gettoken' on the cloud host
  --node-name NAME             this node's name (default: the host name, lower-cased)
  --certport N                 the cloud's certificate server port (default 10002)
  --runtime auto|cri|process|hollow
                               pod runtime: cri runs containers on containerd, process runs each
                               container's command as a host process (no isolation), hollow reports
                               pods Running without starting them (scale tests); auto (default) is
                               cri when the CRI endpoint answers, else process
  --remote-runtime-endpoint URL  the CRI socket (default unix:///run/containerd/containerd.sock)
  --set path=value[,...]       set edgecore.yaml fields, e.g.
                               --set modules.edged.podSandboxImage=registry.local/pause:3.9
  --data-dir DIR               edge state directory (default $KUBEEDGE_HOME/edge/<node name>)
  --labels k=v,k2=v2           extra labels of the Node
  --metaserver-addr HOST:PORT  where the metaserver (the node's local read-only Kubernetes API, plain
                               HTTP) listens (default 127.0.0.1:10550; port 0 picks a free one)
  --no-start                   write the certificates and config, do not start edgecore
  -h, --help                   show this help
`;

export const RESET_USAGE = `Usage: keadm reset [--data-dir DIR] [--force]

Removes what 'keadm init' (the cloud data directory) or 'keadm join' (the node's config,
certificates and database) created. Without --data-dir: everything under $KUBEEDGE_HOME.
Refuses while a running cloudcore or edgecore holds the directory, unless --force.

Flags:
  --data-dir DIR   the cloud or edge directory to remove
  --force          remove even while a process holds it
  -h, --help       show this help
`;
