// A strict OPC UA server of another implementation (node-opcua), for tests/bridge/test_bridge_faults.py.
// node node_opcua_secure.js PORT PKI: Basic256Sha256 Sign and SignAndEncrypt only, user operator:s3cret only (no
// anonymous), client certificates trusted only when found in PKI/trusted/certs (PKI is node-opcua's certificate
// manager folder; rejected ones land in PKI/rejected). Serves R-101.TT-01 (Double, 300). Prints "READY" when listening.
const { OPCUAServer } = require("node-opcua-server");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");
const { DataType } = require("node-opcua-variant");
const { MessageSecurityMode } = require("node-opcua-service-secure-channel");
const { SecurityPolicy } = require("node-opcua-secure-channel");
(async () => {
  const [port, pki] = process.argv.slice(2);
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: false });
  await serverCertificateManager.initialize();
  const server = new OPCUAServer({
    port: Number(port), serverCertificateManager,
    securityModes: [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.Basic256Sha256], allowAnonymous: false,
    userManager: { isValidUser: (name, password) => name === "operator" && password === "s3cret" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const reactor = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "R-101" });
  ns.addVariable({ componentOf: reactor, browseName: "TT-01", nodeId: "s=R-101.TT-01", dataType: "Double",
                   value: { dataType: DataType.Double, value: 300 } });
  await server.start();
  console.log("READY " + server.getEndpointUrl());
})();
