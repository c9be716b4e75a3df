//! The size of the L1 data cache, for a kernel choice that depends on it.

use std::sync::OnceLock;

/// Assumed when the system does not say: the L1d of many x86-64 cores in use (AMD Zen 1–4,
/// Intel Skylake), smaller than the 48 KiB of newer Intel cores, so a choice made on it errs
/// towards the kernel that needs less cache.
pub const DEFAULT_L1D_BYTES: usize = 32 * 1024;

/// Bytes of L1 data cache per core: read once from Linux's sysfs (the level-1 cache of type
/// `Data` of cpu0), else [`DEFAULT_L1D_BYTES`].
pub fn l1d_bytes() -> usize {
    static L1D: OnceLock<usize> = OnceLock::new();
    *L1D.get_or_init(|| read_sysfs().unwrap_or(DEFAULT_L1D_BYTES))
}

fn read_sysfs() -> Option<usize> {
    let entries = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    for entry in entries.flatten() {
        let path = entry.path();
        let read = |file: &str| std::fs::read_to_string(path.join(file)).ok();
        let (Some(level), Some(kind)) = (read("level"), read("type")) else {
            continue;
        };
        if level.trim() == "1" && kind.trim() == "Data" {
            return read("size").and_then(|s| parse_size(s.trim()));
        }
    }
    None
}

/// A sysfs cache size (`"48K"`, `"2M"`, `"32768"`) in bytes; `None` for anything else or for a
/// size no L1 has (below 4 KiB or above 4 MiB).
fn parse_size(s: &str) -> Option<usize> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => s.split_at(at),
        None => (s, ""),
    };
    let scale = match unit {
        "" => 1,
        "K" => 1024,
        "M" => 1024 * 1024,
        _ => return None,
    };
    let bytes = digits.parse::<usize>().ok()?.checked_mul(scale)?;
    (4 * 1024..=4 * 1024 * 1024)
        .contains(&bytes)
        .then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysfs_sizes_parse_and_nonsense_does_not() {
        assert_eq!(parse_size("48K"), Some(48 * 1024));
        assert_eq!(parse_size("1M"), Some(1024 * 1024));
        assert_eq!(parse_size("32768"), Some(32768));
        for bad in ["", "K", "48KB", "-1K", "12G", "1K", "99999999999999999999K"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_l1d_size_is_plausible() {
        let bytes = l1d_bytes();
        assert!((4 * 1024..=4 * 1024 * 1024).contains(&bytes), "{bytes}");
    }
}
