//! The crate's layers, checked: every `crate::` import of a module (tests
//! aside) points at its own layer or one below, and the imports have no
//! circle. ARCHITECTURE.md draws the same picture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. A module may import its own layer and the ones before it.
const LAYERS: &[&[&str]] = &[
    &[
        "error",
        "secret",
        "domain",
        "input",
        "caa",
        "dns",
        "state_dir",
        "pointing",
        "le_limits",
        "shared_store",
    ],
    &["config"],
    &["api"],
    &[
        "app_memory",
        "breaker",
        "certificate_ledger",
        "ssl_batch",
        "waiting",
        "worker",
    ],
    &["flows", "sync"],
    &["php"],
];

/// Helpers of lib.rs that every layer may use.
const ROOT_HELPERS: &[&str] = &["lock", "test_dir", "catching_panics", "Error", "Result"];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| {
            panic!("module {module} is in no layer: add it to LAYERS and ARCHITECTURE.md")
        })
}

/// Module -> the crate modules its non-test code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if rel == "lib.rs" || !rel.ends_with(".rs") || rel.ends_with("/tests.rs") {
                continue;
            }
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let deps = out.entry(module.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != module && !ROOT_HELPERS.contains(&name.as_str()) {
                    deps.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn every_import_points_down_or_across() {
    for (module, deps) in imports() {
        let own = layer_of(&module);
        for dep in deps {
            assert!(
                layer_of(&dep) <= own,
                "{module} (layer {own}) imports {dep} (layer {}), which is above it",
                layer_of(&dep)
            );
        }
    }
}

#[test]
fn the_imports_have_no_circle() {
    let graph = imports();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import circle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
    assert!(done.len() >= 15, "every module was seen: {done:?}");
}
