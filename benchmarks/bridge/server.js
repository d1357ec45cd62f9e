// The benchmark's plant: an OPC UA server of another implementation (node-opcua), so that the server is not what is
// measured. node server.js PORT N: N Double variables ns=1;s=B-iii.Sjj, each rewritten once a second (ten slices,
// 100 ms apart) with the count k of its writes, stamped with the time of the write. Prints "READY" once listening.
const { OPCUAServer } = require("node-opcua-server");
const { DataType } = require("node-opcua-variant");
const { StatusCodes } = require("node-opcua-status-code");
(async () => {
  const [port, n] = process.argv.slice(2).map(Number);
  const server = new OPCUAServer({ port, allowAnonymous: true, maxAllowedSessionNumber: 10,
                                   serverCapabilities: { maxMonitoredItemsPerCall: 100000 } });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const folder = ns.addFolder(addressSpace.rootFolder.objects, { browseName: "Bench" });
  const variables = [];
  for (let i = 0; i < n; i++) {
    const name = `B-${String(Math.floor(i / 100)).padStart(3, "0")}.S${String(i % 100).padStart(2, "0")}`;
    variables.push(ns.addVariable({ componentOf: folder, browseName: name, nodeId: `s=${name}`, dataType: "Double",
                                    minimumSamplingInterval: 0, value: { dataType: DataType.Double, value: 0 } }));
  }
  await server.start();
  console.log("READY");
  let k = 0, slice = 0;
  setInterval(() => {
    if (slice === 0) k += 1;
    for (let i = slice; i < n; i += 10) {
      variables[i].setValueFromSource({ dataType: DataType.Double, value: k }, StatusCodes.Good, new Date());
    }
    slice = (slice + 1) % 10;
  }, 100);
})();
