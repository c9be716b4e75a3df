//! How much memory the system can still give: copies that only make a fit faster (never the
//! data itself) check it first.

/// `MemAvailable` from `/proc/meminfo`, in bytes (Linux); `None` elsewhere.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
