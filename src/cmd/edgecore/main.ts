const USAGE = `Usage: edgecore [--config FILE]

edgecore is the edge agent of kubeedge-ts. It connects to cloudcore over one mutually
authenticated WebSocket and keeps its state in SQLite. It is not implemented yet in this
release: the cloud-edge channel arrives with the next milestone.
`;
process.stdout.write(USAGE);
process.exit(process.argv.includes('--help') || process.argv.includes('-h') ? 0 : 2);
