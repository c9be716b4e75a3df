//! Finding — or, on a fresh machine, creating — a Python that can run the peers.
//!
//! Order: `KMEANS_BENCH_PYTHON` (used as is); else `python3` if it imports every peer package;
//! else a virtual environment under the target directory (`target/bench-venv`, or
//! `KMEANS_BENCH_VENV`), created with `python3 -m venv` and filled with `pip install`, once: a
//! marker file records what was installed (and what failed, and why), and later runs reuse the
//! venv without touching the network. A package that cannot be installed makes its peers "not
//! run: <why>" in the report; nothing here panics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// Every package the peers use, by its pip name, with the module it provides, in install order.
pub const PACKAGES: &[(&str, &str)] = &[
    ("numpy", "numpy"),
    ("scipy", "scipy"),
    ("threadpoolctl", "threadpoolctl"),
    ("scikit-learn", "sklearn"),
    ("scikit-learn-intelex", "sklearnex"),
    ("faiss-cpu", "faiss"),
];

/// The manual alternative to the bootstrap, printed in the report and README.
pub const PIP_LINE: &str =
    "pip install numpy scipy scikit-learn scikit-learn-intelex faiss-cpu threadpoolctl";

/// Name of the marker file written into the venv after its one set-up.
const MARKER: &str = "kmeans-bench-setup.json";

/// Environment variables that pin OpenBLAS to an older core type on some machines (they slow
/// a current NumPy): removed from the peers' commands only, never from tests or CI.
pub const OPENBLAS_PINS: &[&str] = &["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/// A Python interpreter and what it lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct PythonEnv {
    /// The interpreter.
    pub exe: PathBuf,
    /// How it was found (`KMEANS_BENCH_PYTHON`, `python3 on the PATH`, `venv DIR`).
    pub origin: String,
    /// pip package name → why its module does not import here. Empty: every peer can run.
    pub missing: BTreeMap<String, String>,
}

impl PythonEnv {
    /// Why `package` (a pip name) is unusable here, if it is.
    pub fn why_missing(&self, package: &str) -> Option<&str> {
        self.missing.get(package).map(String::as_str)
    }

    /// A command for this interpreter, with the OpenBLAS pins removed.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.exe);
        for v in OPENBLAS_PINS {
            c.env_remove(v);
        }
        c
    }

    /// Why the core packages (numpy, scipy, threadpoolctl, scikit-learn) are unusable, if any is.
    pub fn core_missing(&self) -> Option<String> {
        let why: Vec<String> = PACKAGES[..4]
            .iter()
            .filter_map(|(p, _)| self.why_missing(p).map(|w| format!("{p}: {w}")))
            .collect();
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// What the one set-up of a venv did, per package.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
struct Marker {
    /// pip name → `None` if installed, else why not.
    installed: BTreeMap<String, Option<String>>,
}

/// Which of [`PACKAGES`] fail to import with `exe`: pip name → the import error. `Err` if the
/// interpreter cannot be run at all.
fn probe(exe: &Path) -> Result<BTreeMap<String, String>, String> {
    let modules: Vec<String> = PACKAGES.iter().map(|(_, m)| format!("'{m}'")).collect();
    let script = format!(
        "import importlib, json\nout = {{}}\nfor m in [{}]:\n    try:\n        importlib.import_module(m)\n    except Exception as e:\n        out[m] = f'{{type(e).__name__}}: {{e}}'\nprint(json.dumps(out))\n",
        modules.join(", ")
    );
    let mut c = Command::new(exe);
    for v in OPENBLAS_PINS {
        c.env_remove(v);
    }
    let out = c
        .args(["-c", &script])
        .output()
        .map_err(|e| format!("could not run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            exe.display(),
            last_line(&String::from_utf8_lossy(&out.stderr))
        ));
    }
    let failed: BTreeMap<String, String> = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{}: unreadable probe output: {e}", exe.display()))?;
    Ok(PACKAGES
        .iter()
        .filter_map(|(p, m)| failed.get(*m).map(|e| (p.to_string(), e.clone())))
        .collect())
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no message)")
        .trim()
        .to_string()
}

/// The interpreter inside a venv.
pub fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// Where the bootstrap venv lives: `KMEANS_BENCH_VENV`, else `bench-venv` in the target dir.
pub fn venv_dir(target: &Path) -> PathBuf {
    std::env::var_os("KMEANS_BENCH_VENV").map_or_else(|| target.join("bench-venv"), PathBuf::from)
}

/// Find a Python for the peers, creating and filling the venv under `target` on first use.
///
/// # Errors
/// A one-line reason when no interpreter can be had at all (no `python3`, `venv` fails).
pub fn find_or_create(target: &Path) -> Result<PythonEnv, String> {
    if let Some(exe) = std::env::var_os("KMEANS_BENCH_PYTHON") {
        let exe = PathBuf::from(exe);
        let missing = probe(&exe)?;
        return Ok(PythonEnv {
            exe,
            origin: "KMEANS_BENCH_PYTHON".into(),
            missing,
        });
    }
    let system = PathBuf::from(if cfg!(windows) { "python" } else { "python3" });
    let system_missing = probe(&system);
    if let Ok(missing) = &system_missing
        && missing.is_empty()
    {
        return Ok(PythonEnv {
            exe: system,
            origin: "python3 on the PATH".into(),
            missing: BTreeMap::new(),
        });
    }
    let venv = venv_dir(target);
    let exe = venv_python(&venv);
    if !exe.exists() {
        if let Err(e) = system_missing {
            return Err(format!(
                "no Python to create the peers' venv with ({e}); install Python 3, or `{PIP_LINE}`"
            ));
        }
        eprintln!(
            "== Python peers: creating {} (once; later runs reuse it)",
            venv.display()
        );
        let out = Command::new(&system)
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .map_err(|e| format!("could not run python3 -m venv: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`python3 -m venv {}` failed: {}",
                venv.display(),
                last_line(&String::from_utf8_lossy(&out.stderr))
            ));
        }
    }
    let marker_path = venv.join(MARKER);
    let marker: Marker = std::fs::read_to_string(&marker_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| install(&exe, &venv, &marker_path));
    let mut missing = probe(&exe)?;
    for (package, why) in missing.iter_mut() {
        if let Some(Some(failed)) = marker.installed.get(package) {
            *why = format!(
                "pip install {package} failed: {failed} (delete {} to retry)",
                marker_path.display()
            );
        }
    }
    Ok(PythonEnv {
        exe,
        origin: format!("venv {}", venv.display()),
        missing,
    })
}

/// `pip install` every package, one at a time so one failure does not stop the others; writes
/// and returns the marker.
fn install(exe: &Path, venv: &Path, marker_path: &Path) -> Marker {
    let mut marker = Marker::default();
    for (package, _) in PACKAGES {
        eprintln!("   pip install {package} (into {})", venv.display());
        let out = Command::new(exe)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                package,
            ])
            .output();
        let result = match out {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(last_line(&String::from_utf8_lossy(&o.stderr))),
            Err(e) => Some(format!("could not run pip: {e}")),
        };
        if let Some(why) = &result {
            eprintln!("   warning: pip install {package} failed: {why}");
        }
        marker.installed.insert(package.to_string(), result);
    }
    match serde_json::to_string_pretty(&marker) {
        Ok(text) => {
            if let Err(e) = std::fs::write(marker_path, text) {
                eprintln!("   warning: {}: {e}", marker_path.display());
            }
        }
        Err(e) => eprintln!("   warning: {e}"),
    }
    marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_cover_the_pip_line() {
        for (p, _) in PACKAGES {
            assert!(
                PIP_LINE.split(' ').any(|w| w == *p),
                "{p} not in {PIP_LINE}"
            );
        }
        assert_eq!(PIP_LINE.split(' ').count(), 2 + PACKAGES.len());
    }

    #[test]
    fn a_missing_interpreter_is_an_error_not_a_panic() {
        let e = probe(Path::new("/nonexistent/python")).unwrap_err();
        assert!(e.contains("could not run /nonexistent/python"), "{e}");
    }

    #[test]
    fn core_missing_names_the_package_and_why() {
        let env = PythonEnv {
            exe: "python3".into(),
            origin: "test".into(),
            missing: [(
                "scipy".to_string(),
                "pip install scipy failed: x".to_string(),
            )]
            .into(),
        };
        assert_eq!(
            env.core_missing().as_deref(),
            Some("scipy: pip install scipy failed: x")
        );
        let none = PythonEnv {
            missing: [("faiss-cpu".to_string(), "no wheel".to_string())].into(),
            ..env
        };
        assert_eq!(none.core_missing(), None);
        assert_eq!(none.why_missing("faiss-cpu"), Some("no wheel"));
    }

    #[test]
    fn last_line_skips_trailing_blank_lines() {
        assert_eq!(last_line("a\nERROR: no wheel\n\n"), "ERROR: no wheel");
        assert_eq!(last_line(""), "(no message)");
    }
}
