// npm run bench [-- <suite>...]: runs the named benchmark suites (all when none is named) and prints a
// table per suite, each measurement beside its baseline measured in the same run.
const suites: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  sandbox: () => import('./sandbox.js'),
  dns: () => import('./dns.js'),
  discovery: () => import('./discovery.js'),
  dataplane: () => import('./dataplane.js'),
  globalnet: () => import('./globalnet.js'),
  addon: () => import('./addon.js'),
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const names = wanted.length > 0 ? wanted : Object.keys(suites);
const unknown = names.filter((n) => !(n in suites));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
for (const name of names) {
  const suite = suites[name];
  if (suite) await (await suite()).run();
}
