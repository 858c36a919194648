// @ts-check
// Which folder may import which: the layers of kubectl-submariner, written once. `npm run lint` checks them.
// A folder may always import its own files and npm packages; test/ may import anything.

const libraries = ['base', 'api', 'kube', 'net', 'render'];
const agent = ['base', 'api', 'kube', 'net'];

/** @type {Record<string, string[]>} folder -> the folders it may import. */
const layers = {
  base: [],
  api: ['base'],
  kube: ['base', 'api'],
  net: ['base'],
  render: ['base', 'api', 'net'],
  plugins: ['base', 'api', 'net'],
  // The agents: never the CLI, the commands or the broker.
  gateway: [...agent, 'plugins'],
  routeagent: agent,
  globalnet: agent,
  lighthouse: agent,
  operator: agent,
  // The agent executable starts any agent, and the hub addon controller.
  bin: [...agent, 'gateway', 'routeagent', 'globalnet', 'lighthouse', 'operator', 'addon'],
  broker: libraries,
  // OCI images: layouts, layers, Debian root filesystems, the agent image.
  image: ['base', 'api', 'net'],
  sandbox: [...libraries, 'image'],
  // Read-only tools over clusters; show's command base and kubeconfig loading come from cli.
  show: [...libraries, 'cli'],
  // Checks read the clusters through show's data, and nodes against the route agent's own names (vx-submariner,
  // its port and chains); gather bundles show's data and diagnose's verdicts.
  diagnose: [...libraries, 'cli', 'show', 'routeagent'],
  gather: [...libraries, 'cli', 'show', 'diagnose'],
  // Tests and measurements between two clusters: their pods, progress and tables; verify exports a Service as the
  // export command does.
  verify: [...libraries, 'cli', 'lighthouse'],
  benchmark: [...libraries, 'cli', 'verify'],
  dashboard: libraries,
  // The hub addon: membership and broker objects of broker/, renderCluster, the OCM API.
  addon: [...libraries, 'broker'],
  cli: [...libraries, 'broker', 'sandbox'],
  commands: [...libraries, 'cli', 'broker', 'sandbox', 'image', 'show', 'lighthouse', 'diagnose', 'gather', 'verify', 'benchmark', 'dashboard', 'addon'],
};

const topLevel = new Set(['plugins', 'addon']);
/** @param {string} layer */
const dir = (layer) => (topLevel.has(layer) ? layer : `src/${layer}`);
const project = '^(src|plugins|addon)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.entries(layers).map(([layer, allowed]) => ({
      name: `layer-${layer}`,
      comment: `${dir(layer)} may import ${allowed.length === 0 ? 'nothing of the project' : allowed.map(dir).join(', ')} (see .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: `^${dir(layer)}/` },
      to: { path: project, pathNot: [dir(layer), ...allowed.map(dir)].map((d) => `^${d}/`) },
    })),
    {
      name: 'layer-unknown',
      comment: 'every folder of src/ has its place in the layers of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: project, pathNot: Object.keys(layers).map((l) => `^${dir(l)}/`) },
      to: { path: project },
    },
    {
      name: 'no-circular',
      comment: 'modules import each other in one direction only',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves to a file or an installed package',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
