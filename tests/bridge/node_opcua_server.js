// An OPC UA server from another implementation (node-opcua), for tests/bridge/test_bridge_node_opcua.py.
// node PORT ORIGIN_MS DT_MS COUNT: serves R-101.TT-01 (Double) = k at source time ORIGIN_MS + k * DT_MS, k = 1..COUNT,
// R-101.state (String) = "running", and prints "k timestamp_ms" for every value it sets, after "READY <endpoint>".
const { OPCUAServer } = require("node-opcua-server");
const { DataType } = require("node-opcua-variant");
const { StatusCodes } = require("node-opcua-status-code");
const { MessageSecurityMode } = require("node-opcua-service-secure-channel");
const { SecurityPolicy } = require("node-opcua-secure-channel");
(async () => {
  const [port, origin, dt, count] = process.argv.slice(2).map(Number);
  const server = new OPCUAServer({ port, securityModes: [MessageSecurityMode.None], securityPolicies: [SecurityPolicy.None], allowAnonymous: true });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const reactor = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "R-101" });
  const tt = ns.addVariable({ componentOf: reactor, browseName: "TT-01", nodeId: "s=R-101.TT-01", dataType: "Double",
                              value: { dataType: DataType.Double, value: 0 } });
  ns.addVariable({ componentOf: reactor, browseName: "state", nodeId: "s=R-101.state", dataType: "String",
                   value: { dataType: DataType.String, value: "running" } });
  await server.start();
  console.log("READY " + server.getEndpointUrl());
  let k = 0;
  const timer = setInterval(() => {
    k += 1;
    tt.setValueFromSource({ dataType: DataType.Double, value: k }, StatusCodes.Good, new Date(origin + k * dt));
    console.log(`${k} ${origin + k * dt}`);
    if (k >= count) { clearInterval(timer); }
  }, dt);
})();
