const USAGE = `Usage: keadm <command>

Commands (arriving with the cloud-edge channel milestone):
  init       generate the CA and cloudcore certificates and start cloudcore
  gettoken   print the token edge nodes join with
  join       join this host to a cloudcore as an edge node
  reset      undo init or join on this host
`;
process.stdout.write(USAGE);
process.exit(process.argv.length <= 2 || process.argv.includes('--help') || process.argv.includes('-h') ? 0 : 2);
