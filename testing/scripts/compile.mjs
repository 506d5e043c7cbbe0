// Compiles every .sol file in testing/contracts with the npm `solc` package (standard JSON,
// optimizer on) and writes testing/artifacts/<ContractName>.json as
// {"abi": [...], "bytecode": "0x...", "deployedBytecode": "0x..."} — the JSON-artifact shape
// alloy's `sol!` macro reads. Interfaces and abstract base contracts (no bytecode) get no
// artifact. Run from anywhere: `npm run compile-contracts` in the repo root.
import { createRequire } from "node:module";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");

const testingDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const contractsDir = join(testingDir, "contracts");
const artifactsDir = join(testingDir, "artifacts");

const files = readdirSync(contractsDir).filter((f) => f.endsWith(".sol")).sort();
if (files.length === 0) {
  console.error(`no .sol files in ${contractsDir}`);
  process.exit(1);
}

const sources = {};
for (const file of files) {
  sources[file] = { content: readFileSync(join(contractsDir, file), "utf8") };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};

// Imports are relative ("./TestToken.sol") and resolved by solc against the sources above;
// anything else (npm packages, absolute paths) is refused.
function findImports(path) {
  return { error: `import "${path}" not found: only files in testing/contracts may be imported` };
}

console.log(`solc ${solc.version()}`);
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

let failed = false;
for (const diagnostic of output.errors ?? []) {
  const text = diagnostic.formattedMessage ?? diagnostic.message;
  if (diagnostic.severity === "error") {
    failed = true;
    console.error(text);
  } else {
    console.warn(text);
  }
}
if (failed) {
  console.error("compilation failed; no artifacts written");
  process.exit(1);
}

mkdirSync(artifactsDir, { recursive: true });
const written = new Set();
for (const file of files) {
  for (const [name, contract] of Object.entries(output.contracts?.[file] ?? {})) {
    if (contract.evm.bytecode.object === "") {
      continue; // an interface or abstract base: nothing to deploy, its ABI is in its users'
    }
    if (written.has(name)) {
      console.error(`two contracts are named ${name}; artifact names must be unique`);
      process.exit(1);
    }
    written.add(name);
    const artifact = {
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    };
    const target = join(artifactsDir, `${name}.json`);
    writeFileSync(target, `${JSON.stringify(artifact, null, 2)}\n`);
    console.log(`wrote ${relative(process.cwd(), target)}`);
  }
}
