// A client of another implementation (node-opcua), for tests/bridge/test_serve_clients.py.
// node node_opcua_client.js ENDPOINT NAMESPACE_URI TAG...: reads the Value of ns=<index of NAMESPACE_URI>;s=TAG for
// every TAG in one Read request, and prints one line "JSON [{tag, value, status, source_ms}, ...]".
const { OPCUAClient, AttributeIds } = require("node-opcua-client");
(async () => {
  const [endpoint, uri, ...tags] = process.argv.slice(2);
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 3 } });
  await client.connect(endpoint);
  const session = await client.createSession();
  const namespaces = (await session.read({ nodeId: "ns=0;i=2255", attributeId: AttributeIds.Value })).value.value;
  const ns = namespaces.indexOf(uri);
  const values = await session.read(tags.map((tag) => ({ nodeId: `ns=${ns};s=${tag}`, attributeId: AttributeIds.Value })));
  console.log("JSON " + JSON.stringify(values.map((dv, i) => ({ tag: tags[i], value: dv.value.value, status: dv.statusCode.name,
                                                       source_ms: dv.sourceTimestamp ? dv.sourceTimestamp.getTime() : null }))));
  await session.close();
  await client.disconnect();
})().catch((err) => { console.error(String(err)); process.exit(1); });
