//! Fuzzing of the plugin boundary with proptest (cargo-fuzz needs nightly):
//! random and mutated modules through the loader, random `(ptr, len)`
//! results through the result reader and through real calls in both result
//! forms, and random guest pointers through the WASI imports.
//!
//! Plain `cargo test` runs a fixed, seeded number of cases per property, a
//! few seconds in all, so every `npm test` fuzzes a little. For a longer run:
//!
//! ```text
//! ALLOY_FUZZ_SECONDS=50 cargo test --release --test fuzz_boundary -- --nocapture --test-threads=1
//! ```
//!
//! spends that many seconds in all, shared among the properties, with a new
//! random seed each run. Every property prints how many cases it ran and the
//! seed; `ALLOY_FUZZ_SEED=<seed>` replays a run. A failure prints proptest's
//! minimized input, and for modules its bytes in hex.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_wasm::abi::{decode_output, result_bytes};
use alloy_wasm::{AbiExport, ErrorCode, Host, Settings};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseResult, TestRunner};

// ---------------------------------------------------------------------------
// The runner: a case count by default, a deadline with ALLOY_FUZZ_SECONDS.

/// The seed of plain `cargo test` runs, so that they are reproducible.
const DEFAULT_SEED: u64 = 0x0061_6c6c_6f79; // "alloy"

/// One case running this long is taken to hang: the process prints the case
/// and aborts rather than stall CI. Far above any case's real cost (a load
/// and a few calls, each stopped after `FUZZ_TIMEOUT_MS`).
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// How long proptest may spend minimizing a failure.
const MAX_SHRINK_MS: u32 = 30_000;

/// Runs `property` on inputs from `strategy`: `default_cases` of them, or,
/// when ALLOY_FUZZ_SECONDS is set, as many as fit in `share` of that time.
/// Panics with proptest's minimized input on the first failure.
fn fuzz<S: Strategy>(
    name: &str,
    share: f64,
    default_cases: u64,
    strategy: S,
    property: impl Fn(S::Value) -> TestCaseResult,
) where
    S::Value: Debug,
{
    let budget = fuzz_seconds().map(|total| total.mul_f64(share));
    let seed = fuzz_seed(budget.is_some());
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        max_shrink_time: MAX_SHRINK_MS,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    });
    let started = Instant::now();
    let mut cases = 0u64;
    while match budget {
        Some(budget) => started.elapsed() < budget,
        None => cases < default_cases,
    } {
        let case = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("{name}: cannot generate a case: {e}"));
        if let Err(failure) = runner.run_one(case, &property) {
            panic!("fuzz {name}: failed after {cases} cases (ALLOY_FUZZ_SEED={seed}):\n{failure}");
        }
        cases += 1;
    }
    println!(
        "fuzz {name}: {cases} cases in {:.1} s (ALLOY_FUZZ_SEED={seed})",
        started.elapsed().as_secs_f64()
    );
}

/// The total fuzzing time from ALLOY_FUZZ_SECONDS, if set.
fn fuzz_seconds() -> Option<Duration> {
    let text = std::env::var("ALLOY_FUZZ_SECONDS").ok()?;
    let seconds: f64 = text
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or_else(|| {
            panic!("ALLOY_FUZZ_SECONDS must be a positive number of seconds, got {text:?}")
        });
    Some(Duration::from_secs_f64(seconds))
}

/// ALLOY_FUZZ_SEED if set; else a fixed seed for counted runs and a new one
/// for timed runs (each CI run then explores new inputs).
fn fuzz_seed(timed: bool) -> u64 {
    if let Ok(text) = std::env::var("ALLOY_FUZZ_SEED") {
        return text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ALLOY_FUZZ_SEED must be a u64, got {text:?}"));
    }
    if !timed {
        return DEFAULT_SEED;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 ^ u64::from(std::process::id()))
        .unwrap_or(DEFAULT_SEED)
}

/// Counts outcomes (error codes, loads, calls) to print after a run, so the
/// log shows which paths the fuzzer reached.
#[derive(Default)]
struct Tally(RefCell<BTreeMap<String, u64>>);

impl Tally {
    fn add(&self, outcome: impl Into<String>) {
        *self.0.borrow_mut().entry(outcome.into()).or_default() += 1;
    }

    fn print(&self, name: &str) {
        let counts: Vec<String> = self
            .0
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!("fuzz {name} outcomes: {}", counts.join(", "));
    }
}

/// Aborts the process when one case runs past [`HANG_LIMIT`], after printing
/// it: a hang would otherwise stall the whole run without saying where.
struct HangGuard {
    current: Arc<Mutex<Option<(Instant, String)>>>,
}

impl HangGuard {
    fn new(name: &'static str) -> Self {
        let current: Arc<Mutex<Option<(Instant, String)>>> = Arc::default();
        let watched = Arc::clone(&current);
        std::thread::spawn(move || {
            // Stops when the guard (the other owner) is dropped.
            while Arc::strong_count(&watched) > 1 {
                std::thread::sleep(Duration::from_millis(250));
                let slot = watched.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((since, case)) = slot.as_ref() {
                    if since.elapsed() > HANG_LIMIT {
                        eprintln!("fuzz {name}: a case ran past {HANG_LIMIT:?}: {case}");
                        std::process::abort();
                    }
                }
            }
        });
        HangGuard { current }
    }

    /// Runs `f`, described by `case` should it hang.
    fn watch<T>(&self, case: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
        struct Clear<'a>(&'a Mutex<Option<(Instant, String)>>);
        impl Drop for Clear<'_> {
            fn drop(&mut self) {
                *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
            }
        }
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), case()));
        let _clear = Clear(&self.current);
        f()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

// ---------------------------------------------------------------------------
// Seed modules: small valid plugins covering the shapes real ones have.

/// A bump allocator that grows memory when it runs out.
const BUMP_ALLOC: &str = r#"
  (global $heap (mut i32) (i32.const 1024))
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 16)) (i32.const 1))))))
    (local.get $p))"#;

/// True when the input `($p, $l)` starts with `!`: the seeds misbehave then.
const STARTS_WITH_BANG: &str = "(i32.and (i32.gt_u (local.get $l) (i32.const 0)) \
     (i32.eq (i32.load8_u (local.get $p)) (i32.const 33)))";

/// `($p, $l)` packed into one i64.
const PACKED_INPUT: &str = "(i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) \
     (i64.extend_i32_u (local.get $l)))";

/// A seed: its name, its WAT, and what `filter` gives for "hello" and for
/// "!x".
struct Seed {
    name: &'static str,
    wat: String,
    hello: &'static str,
    bang: Result<&'static str, ErrorCode>,
}

/// The seeds' sources, made once.
fn seed_sources() -> &'static [Seed] {
    static SOURCES: OnceLock<Vec<Seed>> = OnceLock::new();
    SOURCES.get_or_init(make_seed_sources)
}

fn make_seed_sources() -> Vec<Seed> {
    vec![
        Seed {
            name: "echo, packed, traps on !",
            wat: format!(
                r#"(module (memory (export "memory") 1) {BUMP_ALLOC}
                  (func (export "filter") (param $p i32) (param $l i32) (result i64)
                    (if {STARTS_WITH_BANG} (then unreachable))
                    {PACKED_INPUT}))"#
            ),
            hello: "hello",
            bang: Err(ErrorCode::Trap),
        },
        Seed {
            name: "echo, multi-value, (0, 0) and last_error on !",
            wat: format!(
                r#"(module (memory (export "memory") 1) {BUMP_ALLOC}
                  (data (i32.const 64) "rejected: starts with !")
                  (data (i32.const 96) "[sc]")
                  (func (export "filter") (param $p i32) (param $l i32) (result i32 i32)
                    (if {STARTS_WITH_BANG} (then (return (i32.const 0) (i32.const 0))))
                    (local.get $p) (local.get $l))
                  (func (export "shortcode") (param i32 i32) (result i32 i32)
                    (i32.const 96) (i32.const 4))
                  (func (export "last_error") (result i32 i32) (i32.const 64) (i32.const 23)))"#
            ),
            hello: "hello",
            bang: Err(ErrorCode::PluginError),
        },
        Seed {
            name: "hooks, upper-casing filter",
            wat: format!(
                r#"(module (memory (export "memory") 1) {BUMP_ALLOC}
                  (data (i32.const 128) "[\"onBuild\"]")
                  (func (export "hooks") (result i64)
                    (i64.or (i64.shl (i64.const 128) (i64.const 32)) (i64.const 11)))
                  (func (export "hook") (param $p i32) (param $l i32) (result i64) {PACKED_INPUT})
                  (func (export "filter") (param $p i32) (param $l i32) (result i64)
                    (local $i i32) (local $c i32)
                    (block $done (loop $next
                      (br_if $done (i32.ge_u (local.get $i) (local.get $l)))
                      (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
                      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                                   (i32.le_u (local.get $c) (i32.const 122)))
                        (then (i32.store8 (i32.add (local.get $p) (local.get $i))
                                          (i32.sub (local.get $c) (i32.const 32)))))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $next)))
                    {PACKED_INPUT}))"#
            ),
            hello: "HELLO",
            bang: Ok("!X"),
        },
        Seed {
            name: "WASI: _start writes and exits 0, filter uses the clock and random, exits on !",
            wat: format!(
                r#"(module
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
                  (memory (export "memory") 1) {BUMP_ALLOC}
                  (data (i32.const 64) "started\n")
                  (data (i32.const 80) "\40\00\00\00\08\00\00\00")
                  (func (export "_start")
                    (drop (call $fd_write (i32.const 1) (i32.const 80) (i32.const 1) (i32.const 96)))
                    (call $proc_exit (i32.const 0)))
                  (func (export "filter") (param $p i32) (param $l i32) (result i64)
                    (if {STARTS_WITH_BANG} (then (call $proc_exit (i32.const 3))))
                    (drop (call $random_get (i32.const 256) (i32.const 16)))
                    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 272)))
                    (i32.store (i32.const 288) (local.get $p))
                    (i32.store (i32.const 292) (local.get $l))
                    (drop (call $fd_write (i32.const 2) (i32.const 288) (i32.const 1) (i32.const 296)))
                    {PACKED_INPUT}))"#
            ),
            hello: "hello",
            bang: Err(ErrorCode::Trap),
        },
        Seed {
            name: "AssemblyScript-style: env.abort on !",
            wat: format!(
                r#"(module
                  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
                  (memory (export "memory") 1) {BUMP_ALLOC}
                  (data (i32.const 60) "\08\00\00\00b\00o\00o\00m\00")
                  (func (export "filter") (param $p i32) (param $l i32) (result i64)
                    (if {STARTS_WITH_BANG}
                      (then (call $abort (i32.const 64) (i32.const 0) (i32.const 1) (i32.const 2))
                            unreachable))
                    {PACKED_INPUT}))"#
            ),
            hello: "hello",
            bang: Err(ErrorCode::Trap),
        },
        Seed {
            name: "tables, a start section with a loop, bulk memory, br_table",
            wat: format!(
                r#"(module
                  (type $unary (func (param i32) (result i32)))
                  (memory (export "memory") 1 4)
                  (table 2 funcref)
                  (elem (i32.const 0) $identity $double)
                  (global $started (mut i32) (i32.const 0))
                  (global (export "version") i32 (i32.const 3))
                  (data $greeting "rich!")
                  {BUMP_ALLOC}
                  (func $identity (type $unary) (local.get 0))
                  (func $double (type $unary) (i32.shl (local.get 0) (i32.const 1)))
                  (func $init (local $i i32)
                    (global.set $started (i32.const 1))
                    (loop $clear
                      (i32.store8 (i32.add (i32.const 512) (local.get $i)) (i32.const 0))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br_if $clear (i32.lt_u (local.get $i) (i32.const 64)))))
                  (start $init)
                  (func (export "filter") (param $p i32) (param $l i32) (result i32 i32)
                    (local $out i32) (local $i i32)
                    (if (i32.eqz (global.get $started)) (then unreachable))
                    (local.set $out (call $alloc (local.get $l)))
                    (block $done (loop $next
                      (br_if $done (i32.ge_u (local.get $i) (local.get $l)))
                      (i32.store8 (i32.add (local.get $out) (local.get $i))
                        (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $l))
                                              (i32.add (local.get $i) (i32.const 1)))))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $next)))
                    (local.get $out)
                    (call_indirect (type $unary) (local.get $l) (i32.const 0)))
                  (func (export "shortcode") (param $p i32) (param $l i32) (result i64)
                    (local $out i32)
                    (local.set $out (call $alloc (i32.const 5)))
                    (memory.init $greeting (local.get $out) (i32.const 0) (i32.const 5))
                    (memory.fill (i32.const 512) (i32.const 0) (i32.const 64))
                    (memory.copy (i32.const 512) (local.get $out) (i32.const 5))
                    (block $other (block $one (block $zero
                      (br_table $zero $one $other (i32.and (local.get $l) (i32.const 3))))
                      (return (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
                                      (i64.const 5))))
                      (return (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
                                      (i64.extend_i32_u
                                        (call_indirect (type $unary) (i32.const 2) (i32.const 1))))))
                    (i64.const 0)))"#
            ),
            hello: "olleh",
            bang: Ok("x!"),
        },
    ]
}

/// The seed modules, compiled from WAT once.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        seed_sources()
            .iter()
            .map(|s| wat::parse_str(&s.wat).unwrap_or_else(|e| panic!("seed {}: {e}", s.name)))
            .collect()
    })
}

// ---------------------------------------------------------------------------
// Module mutations: byte-level, LEB128-aware, and section-level.

const MAGIC_AND_VERSION: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Mutated modules are cut to this size, to keep compiling them quick.
const MAX_MODULE: usize = 1 << 16;

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: Index,
        bit: u8,
    },
    SetByte {
        at: Index,
        value: u8,
    },
    Insert {
        at: Index,
        bytes: Vec<u8>,
    },
    Delete {
        at: Index,
        len: usize,
    },
    Truncate {
        at: Index,
    },
    /// Copies `len` bytes at `from` to before `to`.
    Duplicate {
        from: Index,
        to: Index,
        len: usize,
    },
    /// Replaces the LEB128 number at `at` (counts, sizes, indices,
    /// constants) with `value`.
    SetLeb {
        at: Index,
        value: u32,
    },
    DropSection {
        which: Index,
    },
    DuplicateSection {
        which: Index,
    },
    SwapSections {
        a: Index,
        b: Index,
    },
    /// Puts a section of another seed in place of this module's section of
    /// the same id, or before section `into` when it has none.
    SpliceSection {
        donor: Index,
        which: Index,
        into: Index,
    },
    /// Makes a section's declared size disagree with its contents.
    ResizeSection {
        which: Index,
        delta: i32,
    },
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        // LEB128 edges, and opcodes that change control flow.
        select(vec![
            0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x02, 0x03, 0x0c, 0x0d, 0x0e, 0x41, 0x40
        ]),
    ]
}

fn interesting_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        0u32..=8,
        select(vec![
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            0xffff,
            0x1_0000,
            0x1_0001,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_fffe,
            0xffff_ffff,
        ]),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        3 => (any::<Index>(), interesting_byte()).prop_map(|(at, value)| Mutation::SetByte { at, value }),
        2 => (any::<Index>(), vec(interesting_byte(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        2 => (any::<Index>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        1 => (any::<Index>(), any::<Index>(), 1usize..32)
            .prop_map(|(from, to, len)| Mutation::Duplicate { from, to, len }),
        3 => (any::<Index>(), interesting_u32()).prop_map(|(at, value)| Mutation::SetLeb { at, value }),
        1 => any::<Index>().prop_map(|which| Mutation::DropSection { which }),
        1 => any::<Index>().prop_map(|which| Mutation::DuplicateSection { which }),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapSections { a, b }),
        2 => (any::<Index>(), any::<Index>(), any::<Index>())
            .prop_map(|(donor, which, into)| Mutation::SpliceSection { donor, which, into }),
        1 => (any::<Index>(), -8i32..=8).prop_map(|(which, delta)| Mutation::ResizeSection { which, delta }),
    ]
}

fn mutate(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut module = seed.to_vec();
    for mutation in mutations {
        apply(&mut module, mutation);
        module.truncate(MAX_MODULE);
    }
    module
}

fn apply(m: &mut Vec<u8>, mutation: &Mutation) {
    let len = m.len();
    match mutation {
        Mutation::FlipBit { at, bit } if len > 0 => m[at.index(len)] ^= 1 << bit,
        Mutation::SetByte { at, value } if len > 0 => m[at.index(len)] = *value,
        Mutation::Insert { at, bytes } => {
            let i = at.index(len + 1);
            m.splice(i..i, bytes.iter().copied());
        }
        Mutation::Delete { at, len: n } if len > 0 => {
            let i = at.index(len);
            m.drain(i..(i + n).min(len));
        }
        Mutation::Truncate { at } => m.truncate(at.index(len + 1)),
        Mutation::Duplicate { from, to, len: n } if len > 0 => {
            let i = from.index(len);
            let chunk = m[i..(i + n).min(len)].to_vec();
            let j = to.index(len + 1);
            m.splice(j..j, chunk);
        }
        Mutation::SetLeb { at, value } if len > 0 => {
            let i = at.index(len);
            let old = leb_len(&m[i..]);
            m.splice(i..i + old, leb(*value));
        }
        Mutation::DropSection { which } => {
            if let Some(r) = pick(&sections(m), which) {
                m.drain(r);
            }
        }
        Mutation::DuplicateSection { which } => {
            if let Some(r) = pick(&sections(m), which) {
                let copy = m[r.clone()].to_vec();
                m.splice(r.end..r.end, copy);
            }
        }
        Mutation::SwapSections { a, b } => {
            let s = sections(m);
            if s.len() >= 2 {
                let mut pieces: Vec<Vec<u8>> = s.iter().map(|r| m[r.clone()].to_vec()).collect();
                pieces.swap(a.index(s.len()), b.index(s.len()));
                let tail = m[s[s.len() - 1].end..].to_vec();
                m.truncate(s[0].start);
                m.extend(pieces.into_iter().flatten());
                m.extend(tail);
            }
        }
        Mutation::SpliceSection { donor, which, into } => {
            let donor = &seeds()[donor.index(seeds().len())];
            let Some(piece) = pick(&sections(donor), which).map(|r| &donor[r]) else {
                return;
            };
            let s = sections(m);
            let id = piece[0];
            // Custom sections (id 0) may repeat, so they are only inserted.
            let same = s.iter().find(|r| id != 0 && m[r.start] == id).cloned();
            let at = match same {
                Some(r) => r,
                None => {
                    let k = into.index(s.len() + 1);
                    let at = s
                        .get(k)
                        .map_or(s.last().map_or(len.min(8), |r| r.end), |r| r.start);
                    at..at
                }
            };
            m.splice(at, piece.iter().copied());
        }
        Mutation::ResizeSection { which, delta } => {
            if let Some(r) = pick(&sections(m), which) {
                let size_at = r.start + 1;
                if let Some((size, n)) = read_leb(&m[size_at..]) {
                    let resized =
                        (i64::from(size) + i64::from(*delta)).clamp(0, i64::from(u32::MAX));
                    m.splice(size_at..size_at + n, leb(resized as u32));
                }
            }
        }
        // A byte-level mutation of an empty module does nothing.
        _ => {}
    }
}

fn pick(ranges: &[Range<usize>], which: &Index) -> Option<Range<usize>> {
    (!ranges.is_empty()).then(|| ranges[which.index(ranges.len())].clone())
}

/// The byte ranges of the sections (id, size, contents) that parse, in
/// order, from just after the header.
fn sections(m: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = MAGIC_AND_VERSION.len();
    while pos < m.len() {
        let Some((size, n)) = read_leb(&m[pos + 1..]) else {
            break;
        };
        let end = pos + 1 + n + size as usize;
        if end > m.len() {
            break;
        }
        out.push(pos..end);
        pos = end;
    }
    out
}

/// An unsigned LEB128 u32 and its length in bytes.
fn read_leb(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(5).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

/// How many bytes the LEB128 number at the start of `bytes` takes (at
/// least 1, at most 5).
fn leb_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take(5)
        .position(|b| b & 0x80 == 0)
        .map_or(bytes.len().clamp(1, 5), |i| i + 1)
}

fn leb(mut value: u32) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A change to a seed's WAT text, made before it is compiled: such mutants
/// often stay valid, so they get past the validator to the host, with
/// results, sizes and control flow the seed did not have.
#[derive(Debug, Clone)]
enum WatMutation {
    /// Replaces the `which`-th number (a constant, offset, size or page
    /// count) with `value`.
    Number { which: Index, value: i64 },
    /// Replaces the `which`-th instruction of a family in [`OPCODE_FAMILIES`]
    /// with the `to`-th of that family.
    Opcode { which: Index, to: Index },
}

/// Instructions of the same type: swapping them keeps a module valid but
/// changes what it computes (including division by zero and loops that
/// never end).
const OPCODE_FAMILIES: [&[&str]; 5] = [
    &[
        "i32.add",
        "i32.sub",
        "i32.mul",
        "i32.and",
        "i32.or",
        "i32.xor",
        "i32.shl",
        "i32.shr_u",
        "i32.shr_s",
        "i32.rotl",
        "i32.div_u",
        "i32.rem_u",
    ],
    &[
        "i32.eq", "i32.ne", "i32.lt_u", "i32.gt_u", "i32.le_u", "i32.ge_u", "i32.lt_s", "i32.gt_s",
    ],
    &["i32.load8_u", "i32.load8_s", "i32.load16_u", "i32.load"],
    &["i32.store8", "i32.store16", "i32.store"],
    &[
        "i64.or",
        "i64.xor",
        "i64.add",
        "i64.sub",
        "i64.shl",
        "i64.shr_u",
    ],
];

fn wat_mutation() -> impl Strategy<Value = WatMutation> {
    let value = prop_oneof![
        any::<i32>().prop_map(i64::from),
        -20i64..=70,
        select(vec![
            255i64,
            256,
            1024,
            4096,
            65535,
            65536,
            65537,
            0x7fff_ffff,
            0xffff_fff0,
            0xffff_ffff,
            -0x8000_0000,
        ]),
    ];
    prop_oneof![
        2 => (any::<Index>(), value).prop_map(|(which, value)| WatMutation::Number { which, value }),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(which, to)| WatMutation::Opcode { which, to }),
    ]
}

fn mutate_wat(wat: &str, mutations: &[WatMutation]) -> String {
    let mut text = wat.to_owned();
    for mutation in mutations {
        let tokens = wat_tokens(&text);
        let (range, replacement) = match mutation {
            WatMutation::Number { which, value } => {
                let numbers: Vec<Range<usize>> = tokens
                    .into_iter()
                    .filter(|r| text[r.clone()].parse::<i64>().is_ok())
                    .collect();
                let Some(range) = pick(&numbers, which) else {
                    continue;
                };
                (range, value.to_string())
            }
            WatMutation::Opcode { which, to } => {
                let ops: Vec<(Range<usize>, &[&str])> = tokens
                    .into_iter()
                    .filter_map(|r| {
                        let family = OPCODE_FAMILIES
                            .iter()
                            .find(|f| f.contains(&&text[r.clone()]))?;
                        Some((r, *family))
                    })
                    .collect();
                if ops.is_empty() {
                    continue;
                }
                let (range, family) = ops[which.index(ops.len())].clone();
                (range, family[to.index(family.len())].to_owned())
            }
        };
        text.replace_range(range, &replacement);
    }
    text
}

/// The byte ranges of a WAT text's tokens (keywords, numbers, names),
/// leaving out parentheses and strings. The seeds have no comments.
fn wat_tokens(text: &str) -> Vec<Range<usize>> {
    const SEPARATORS: &[u8] = b"()\" \n\t\r";
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if SEPARATORS.contains(&bytes[i]) {
            i += 1;
        } else {
            let start = i;
            while i < bytes.len() && !SEPARATORS.contains(&bytes[i]) {
                i += 1;
            }
            tokens.push(start..i);
        }
    }
    tokens
}

#[test]
fn mutation_helpers_read_and_write_sections() {
    assert_eq!(leb(0), [0x00]);
    assert_eq!(leb(624_485), [0xe5, 0x8e, 0x26]);
    assert_eq!(read_leb(&leb(u32::MAX)), Some((u32::MAX, 5)));
    assert_eq!(read_leb(&[0x80, 0x80]), None);
    assert_eq!(leb_len(&[0xe5, 0x8e, 0x26, 0x01]), 3);
    let seed = &seeds()[0];
    let s = sections(seed);
    assert_eq!(s.first().map(|r| r.start), Some(8));
    assert_eq!(
        s.last().map(|r| r.end),
        Some(seed.len()),
        "sections cover the module"
    );
    let which = any::<Index>()
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let dropped = mutate(seed, &[Mutation::DropSection { which }]);
    let k = which.index(s.len());
    assert_eq!(dropped[..s[k].start], seed[..s[k].start]);
    assert_eq!(dropped[s[k].start..], seed[s[k].end..]);
    let doubled = mutate(seed, &[Mutation::DuplicateSection { which }]);
    assert_eq!(sections(&doubled).len(), s.len() + 1);
}

// ---------------------------------------------------------------------------
// (a) The loader: random bytes and mutated plugins.

/// Short, so that mutants that loop forever cost little.
const FUZZ_TIMEOUT_MS: u64 = 20;

/// A host for one fuzzed module: a new one per case, so that nothing one
/// mutant does (or leaves idle) carries over to the next.
fn fuzz_host() -> Host {
    Host::new(&Settings {
        threads: 1,
        timeout_ms: FUZZ_TIMEOUT_MS,
        memory_limit_mb: 16,
        capture_output: Some(1024),
        cache_dir: None,
        ..Settings::default()
    })
    .expect("a host starts")
}

/// What loading may fail with. PLUGIN_ERROR and BAD_RESULT cannot come out
/// of a load: a failing `hooks()` is INVALID_HOOKS.
const LOAD_CODES: [ErrorCode; 7] = [
    ErrorCode::InvalidModule,
    ErrorCode::MissingExport,
    ErrorCode::UnsupportedImport,
    ErrorCode::InvalidHooks,
    ErrorCode::Trap,
    ErrorCode::Timeout,
    ErrorCode::MemoryLimit,
];

/// What calling an export the plugin has may fail with (and `hook` also
/// with INVALID_JSON).
const CALL_CODES: [ErrorCode; 5] = [
    ErrorCode::PluginError,
    ErrorCode::BadResult,
    ErrorCode::Trap,
    ErrorCode::Timeout,
    ErrorCode::MemoryLimit,
];

/// The inputs each loaded mutant is called with (`!` makes seeds misbehave).
const CALL_INPUTS: [&str; 3] = ["", "hello", "!boom"];

/// Loads `wasm` and, if it loads, calls each buffer export with
/// [`CALL_INPUTS`]: every outcome must be Ok or an error with an allowed
/// code that names the plugin.
fn check_loader(wasm: &[u8], tally: &Tally) -> TestCaseResult {
    let host = fuzz_host();
    let info = match host.add_bytes("fuzzed", wasm, None) {
        Err(err) => {
            prop_assert!(
                LOAD_CODES.contains(&err.code),
                "load failed with {} ({err}), which is not a load error; module: {}",
                err.code,
                hex(wasm)
            );
            prop_assert_eq!(err.plugin.as_deref(), Some("fuzzed"), "{}", err);
            tally.add(format!("load {}", err.code));
            return Ok(());
        }
        Ok(info) => info,
    };
    tally.add("load ok");
    prop_assert_eq!(info.name.as_str(), "fuzzed");
    for export in [AbiExport::Filter, AbiExport::Shortcode, AbiExport::Hook] {
        let name = export.name();
        if !info.exports.iter().any(|e| e == name) {
            // MISSING_EXPORT, unless making an instance for the call fails
            // first (when the last call left the instance broken).
            let err = host.call("fuzzed", export, "x").unwrap_err();
            prop_assert!(
                err.code == ErrorCode::MissingExport || CALL_CODES.contains(&err.code),
                "{}",
                err
            );
            continue;
        }
        for input in CALL_INPUTS {
            match host.call("fuzzed", export, input) {
                Ok(_) => tally.add(format!("{name} ok")),
                Err(err) => {
                    prop_assert!(
                        CALL_CODES.contains(&err.code)
                            || (export == AbiExport::Hook && err.code == ErrorCode::InvalidJson),
                        "{name}({input:?}) failed with {} ({err}), which is not a call error; module: {}",
                        err.code,
                        hex(wasm)
                    );
                    prop_assert_eq!(err.plugin.as_deref(), Some("fuzzed"), "{}", err);
                    tally.add(format!("{name} {}", err.code));
                }
            }
        }
    }
    host.close();
    Ok(())
}

/// Sections with random ids and contents, framed with correct sizes, after
/// a valid header: gets past the framing to the section parsers.
fn framed_random_sections() -> impl Strategy<Value = Vec<u8>> {
    vec((0u8..=13, vec(any::<u8>(), 0..40)), 0..6).prop_map(|sections| {
        let mut m = MAGIC_AND_VERSION.to_vec();
        for (id, contents) in sections {
            m.push(id);
            m.extend(leb(contents.len() as u32));
            m.extend(contents);
        }
        m
    })
}

#[test]
fn loader_survives_random_bytes() {
    let tally = Tally::default();
    let guard = HangGuard::new("loader/random-bytes");
    let strategy = prop_oneof![
        vec(any::<u8>(), 0..256),
        vec(any::<u8>(), 0..256).prop_map(|b| [&MAGIC_AND_VERSION[..], &b].concat()),
        framed_random_sections(),
    ];
    fuzz("loader/random-bytes", 0.10, 1000, strategy, |wasm| {
        guard.watch(|| hex(&wasm), || check_loader(&wasm, &tally))
    });
    tally.print("loader/random-bytes");
}

#[test]
fn loader_survives_mutated_plugins() {
    let tally = Tally::default();
    let guard = HangGuard::new("loader/mutated");
    // Half the cases change only the WAT, so that more mutants validate.
    let strategy = (
        any::<Index>(),
        vec(wat_mutation(), 0..4),
        prop_oneof![Just(Vec::new()), vec(mutation(), 1..4)],
    );
    fuzz(
        "loader/mutated",
        0.25,
        1000,
        strategy,
        |(seed, wat_mutations, mutations)| {
            let source = &seed_sources()[seed.index(seed_sources().len())];
            let Ok(wasm) = wat::parse_str(mutate_wat(&source.wat, &wat_mutations)) else {
                // A number out of range for its place, such as a negative page count.
                tally.add("WAT rejected");
                return Ok(());
            };
            let wasm = mutate(&wasm, &mutations);
            guard.watch(|| hex(&wasm), || check_loader(&wasm, &tally))
        },
    );
    tally.print("loader/mutated");
}

#[test]
fn every_seed_loads_and_behaves() {
    let host = Host::new(&Settings {
        threads: 1,
        cache_dir: None,
        ..Settings::default()
    })
    .unwrap();
    for (source, wasm) in seed_sources().iter().zip(seeds()) {
        let name = source.name;
        host.add_bytes(name, wasm, None)
            .unwrap_or_else(|e| panic!("seed {name}: {e}"));
        let out = host.call(name, AbiExport::Filter, "hello");
        assert_eq!(out.as_deref(), Ok(source.hello), "seed {name}");
        let bang = host.call(name, AbiExport::Filter, "!x");
        let bang = bang.as_deref().map_err(|e| e.code);
        assert_eq!(bang, source.bang, "seed {name}");
        assert_eq!(
            host.call(name, AbiExport::Filter, "hello").as_deref(),
            Ok(source.hello)
        );
    }
    let info = host.plugins();
    assert_eq!(info[2].hooks, ["onBuild"]);
    assert!(info[3].wasi);
    let shortcode = |name: &str, input: &str| host.call(name, AbiExport::Shortcode, input);
    assert_eq!(shortcode(seed_sources()[1].name, "").as_deref(), Ok("[sc]"));
    assert_eq!(
        shortcode(seed_sources()[5].name, "").as_deref(),
        Ok("rich!")
    );
    assert_eq!(
        shortcode(seed_sources()[5].name, "x").as_deref(),
        Ok("rich")
    );
    host.close();
}

// ---------------------------------------------------------------------------
// (a2) Valid random modules: wasm-smith, with the ABI grafted on.

/// wasm-smith's settings: what alloy-wasm accepts (one memory, at most one
/// table, no imports, no GC, externref, exceptions, threads or memory64),
/// small sizes.
fn smith_config(max_memory_bytes: u64) -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        min_memories: 1,
        max_memories: 1,
        max_memory32_bytes: max_memory_bytes,
        max_tables: 1,
        max_table_elements: 200_000,
        max_funcs: 20,
        max_instructions: 200,
        max_exports: 0,
        gc_enabled: false,
        // externref values need wasmtime's `gc` feature, which the host is
        // built without: such modules are refused at load (INVALID_MODULE).
        reference_types_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        memory64_enabled: false,
        ..wasm_smith::Config::default()
    }
}

/// A section's id and contents.
type Section = (u8, Vec<u8>);

/// The sections of `wasm`, custom sections left out.
fn split_sections(wasm: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, _) = read_leb(&wasm[at + 1..]).expect("a section size");
        let start = at + 1 + leb_len(&wasm[at + 1..]);
        if id != 0 {
            out.push((id, wasm[start..start + size as usize].to_vec()));
        }
        at = start + size as usize;
    }
    out
}

/// Where each section id goes in a module.
const SECTION_ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/// Appends `count` items (already encoded) to the section `id`, creating it
/// in its place when the module has none.
fn append_items(sections: &mut Vec<Section>, id: u8, count: u32, items: &[u8]) {
    let rank = |id: u8| SECTION_ORDER.iter().position(|&s| s == id).unwrap();
    if let Some((_, contents)) = sections.iter_mut().find(|(s, _)| *s == id) {
        let (old, len) = read_leb(contents).expect("a vector length");
        let mut new = leb(old + count);
        new.extend_from_slice(&contents[len..]);
        new.extend_from_slice(items);
        *contents = new;
        return;
    }
    let at = sections
        .iter()
        .position(|(s, _)| rank(*s) > rank(id))
        .unwrap_or(sections.len());
    let mut contents = leb(count);
    contents.extend_from_slice(items);
    sections.insert(at, (id, contents));
}

/// A value of `ty` on the stack, for calling a function; `None` for types
/// that have no default (non-nullable references).
fn default_value(ty: wasmparser::ValType) -> Option<Vec<u8>> {
    use wasmparser::ValType;
    Some(match ty {
        ValType::I32 => vec![0x41, 0x00],
        ValType::I64 => vec![0x42, 0x00],
        ValType::F32 => vec![0x43, 0, 0, 0, 0],
        ValType::F64 => vec![0x44, 0, 0, 0, 0, 0, 0, 0, 0],
        ValType::V128 => [&[0xfd, 0x0c][..], &[0u8; 16]].concat(),
        ValType::Ref(r) if r.is_nullable() && r.is_func_ref() => vec![0xd0, 0x70],
        ValType::Ref(r) if r.is_nullable() && r.is_extern_ref() => vec![0xd0, 0x6f],
        ValType::Ref(_) => return None,
    })
}

/// `wasm` (from wasm-smith: no imports, no exports, one memory) with the ABI
/// grafted on: the memory exported as `memory`, a bump `alloc`, and
/// `filter` and `shortcode`, which call every function the generator made
/// (with zero arguments, results dropped), then echo their input.
fn graft_abi(wasm: &[u8]) -> Vec<u8> {
    // The generated functions' signatures.
    let mut types = Vec::new();
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("wasm-smith makes valid modules") {
            wasmparser::Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.unwrap().into_types() {
                        types.push(match ty.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => Some(f),
                            _ => None,
                        });
                    }
                }
            }
            wasmparser::Payload::FunctionSection(reader) => {
                funcs.extend(reader.into_iter().map(|f| f.unwrap()));
            }
            _ => {}
        }
    }
    let mut calls = Vec::new();
    for (index, ty) in funcs.iter().enumerate() {
        let Some(Some(ty)) = types.get(*ty as usize) else {
            continue;
        };
        let Some(args) = ty
            .params()
            .iter()
            .map(|p| default_value(*p))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        calls.extend(args.concat());
        calls.push(0x10); // call
        calls.extend(leb(index as u32));
        calls.extend(std::iter::repeat_n(0x1a, ty.results().len())); // drop
    }

    let first_type = types.len() as u32;
    let first_func = funcs.len() as u32;
    let mut sections = split_sections(wasm);
    // (i32) -> i32 and (i32, i32) -> i64.
    append_items(
        &mut sections,
        1,
        2,
        &[0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 1, 0x7e],
    );
    let mut func_types = leb(first_type);
    func_types.extend(leb(first_type + 1));
    func_types.extend(leb(first_type + 1));
    append_items(&mut sections, 3, 3, &func_types);
    let mut exports = Vec::new();
    for (name, kind, index) in [
        ("memory", 0x02, 0),
        ("alloc", 0x00, first_func),
        ("filter", 0x00, first_func + 1),
        ("shortcode", 0x00, first_func + 2),
    ] {
        exports.extend(leb(name.len() as u32));
        exports.extend(name.as_bytes());
        exports.push(kind);
        exports.extend(leb(index));
    }
    append_items(&mut sections, 7, 4, &exports);
    let body = |code: &[u8]| {
        let mut b = leb(code.len() as u32 + 1);
        b.push(0x00); // no locals
        b.extend_from_slice(code);
        b
    };
    // alloc: grows an empty memory by a page (if its maximum allows), then
    // returns 1024.
    let mut bodies = body(&[
        0x3f, 0x00, 0x45, 0x04, 0x40, 0x41, 0x01, 0x40, 0x00, 0x1a, 0x0b, 0x41, 0x80, 0x08, 0x0b,
    ]);
    // filter, shortcode: the calls, then (ptr << 32) | len.
    let echo = [
        calls,
        vec![0x20, 0, 0xad, 0x42, 32, 0x86, 0x20, 1, 0xad, 0x84, 0x0b],
    ]
    .concat();
    bodies.extend(body(&echo));
    bodies.extend(body(&echo));
    append_items(&mut sections, 10, 3, &bodies);

    let mut out = MAGIC_AND_VERSION.to_vec();
    for (id, contents) in sections {
        out.push(id);
        out.extend(leb(contents.len() as u32));
        out.extend(contents);
    }
    out
}

/// A valid random module with the ABI grafted on, from `seed` bytes.
fn smith_module(seed: &[u8], max_memory_bytes: u64) -> Option<Vec<u8>> {
    let mut u = arbitrary::Unstructured::new(seed);
    let mut module = wasm_smith::Module::new(smith_config(max_memory_bytes), &mut u).ok()?;
    // Loops and recursion count down a fuel global and trap when it runs
    // out, so most cases finish instead of timing out.
    module.ensure_termination(10_000).ok()?;
    Some(graft_abi(&module.to_bytes()))
}

/// Loads the module and calls its exports through a host that recycles
/// after every other call and at 1 MiB: every outcome must be Ok or a coded
/// error, a valid module is never INVALID_MODULE, and the plugin keeps
/// serving.
fn check_valid_module(wasm: &[u8], tally: &Tally) -> TestCaseResult {
    let host = Host::new(&Settings {
        threads: 1,
        timeout_ms: FUZZ_TIMEOUT_MS,
        memory_limit_mb: 16,
        recycle_memory_mb: Some(1),
        recycle_after_calls: 2,
        cache_dir: None,
        ..Settings::default()
    })
    .expect("a host starts");
    match host.add_bytes("smith", wasm, None) {
        Err(err) => {
            // The memory or table past the cap, or a start function that traps or loops.
            prop_assert!(
                [ErrorCode::MemoryLimit, ErrorCode::Trap, ErrorCode::Timeout].contains(&err.code),
                "a valid module failed to load with {} ({err}); module: {}",
                err.code,
                hex(wasm)
            );
            tally.add(format!("load {}", err.code));
        }
        Ok(info) => {
            tally.add("load ok");
            prop_assert!(info.exports.iter().any(|e| e == "filter"));
            for round in 0..3 {
                for export in [AbiExport::Filter, AbiExport::Shortcode] {
                    let input = format!("round {round}");
                    match host.call("smith", export, &input) {
                        Ok(out) => {
                            prop_assert_eq!(&out, &input);
                            tally.add(format!("{} ok", export.name()));
                        }
                        Err(err) => {
                            prop_assert!(
                                CALL_CODES.contains(&err.code)
                                    || err.code == ErrorCode::MemoryLimit,
                                "{}() failed with {} ({err}); module: {}",
                                export.name(),
                                err.code,
                                hex(wasm)
                            );
                            tally.add(format!("{} {}", export.name(), err.code));
                        }
                    }
                }
            }
            let stats = host.pool_stats("smith").unwrap();
            tally.add(format!("recycled {}", stats.recycled.min(3)));
        }
    }
    host.close();
    Ok(())
}

#[test]
fn graft_makes_a_working_plugin() {
    let wasm = smith_module(&[0u8; 64], 1 << 16).expect("a module from zeros");
    let host = fuzz_host();
    host.add_bytes("smith", &wasm, None)
        .unwrap_or_else(|e| panic!("{e}; module: {}", hex(&wasm)));
    assert_eq!(host.call("smith", AbiExport::Filter, "hi").unwrap(), "hi");
}

#[test]
fn generated_modules_load_run_and_recycle() {
    let tally = Tally::default();
    let guard = HangGuard::new("smith");
    let strategy = (
        vec(any::<u8>(), 64..4096),
        select(vec![1u64 << 16, 1 << 20, 4 << 20, 64 << 20]),
    );
    fuzz("smith", 0.10, 500, strategy, |(seed, max_memory)| {
        let Some(wasm) = smith_module(&seed, max_memory) else {
            tally.add("not generated");
            return Ok(());
        };
        guard.watch(|| hex(&wasm), || check_valid_module(&wasm, &tally))
    });
    tally.print("smith");
}

// ---------------------------------------------------------------------------
// (b) The result reader, as pure functions.

/// An i32 that, read as the guest's u32, lies near 0, near `size`, or near
/// the top of the 32-bit range (where `ptr + len` wraps), or anywhere.
fn near_edges(size: usize) -> impl Strategy<Value = i32> {
    let size = size as i64;
    prop_oneof![
        any::<i32>(),
        -4i32..=64,
        (-70i64..=70).prop_map(move |d| (size + d) as i32),
        (0i64..=size).prop_map(|v| v as i32),
        (0u32..=70).prop_map(|d| (u32::MAX - d) as i32),
        select(vec![i32::MIN, i32::MIN + 1, i32::MAX - 1, i32::MAX]),
    ]
}

/// A memory size with a `(ptr, len)` drawn near its edges, plus pairs that
/// end exactly around the end of memory.
fn memory_and_result() -> impl Strategy<Value = (usize, i32, i32)> {
    prop_oneof![Just(0usize), 1usize..=64, 65_530usize..=65_540].prop_flat_map(|size| {
        prop_oneof![
            (Just(size), near_edges(size), near_edges(size)),
            (0..=size, -3i64..=3).prop_map(move |(ptr, d)| {
                let len = (size as i64 - ptr as i64 + d).max(0);
                (size, ptr as i32, len as i32)
            }),
        ]
    })
}

/// Memory contents where each offset has its own byte, so that a slice at
/// the wrong offset does not compare equal by chance.
fn pattern_memory(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| (i ^ (i >> 8) ^ (i >> 16)) as u8)
        .collect()
}

#[test]
fn result_bytes_is_exactly_the_u64_bounds_check() {
    let tally = Tally::default();
    fuzz(
        "result_bytes",
        0.10,
        20_000,
        memory_and_result(),
        |(size, ptr, len)| {
            let data = pattern_memory(size);
            let start = u64::from(ptr as u32);
            let end = start + u64::from(len as u32);
            match result_bytes(&data, ptr, len) {
                Ok(bytes) => {
                    prop_assert!(
                        end <= size as u64,
                        "Ok for ({ptr}, {len}) past {size} bytes"
                    );
                    prop_assert_eq!(bytes.as_ptr(), data[start as usize..].as_ptr());
                    prop_assert_eq!(bytes, &data[start as usize..end as usize]);
                    tally.add("ok");
                }
                Err(err) => {
                    prop_assert!(end > size as u64, "({ptr}, {len}) fits {size} bytes: {err}");
                    prop_assert_eq!(err.code, ErrorCode::BadResult);
                    prop_assert!(
                        err.detail.contains(&format!("{size}-byte memory")),
                        "{}",
                        err
                    );
                    tally.add("BAD_RESULT");
                }
            }
            Ok(())
        },
    );
    tally.print("result_bytes");
}

#[test]
fn result_bytes_edges() {
    let data = pattern_memory(64);
    let bad = |ptr: i32, len: i32| result_bytes(&data, ptr, len).unwrap_err().code;
    assert_eq!(result_bytes(&data, 64, 0).unwrap(), b"");
    assert_eq!(result_bytes(&data, 60, 4).unwrap(), &data[60..]);
    assert_eq!(result_bytes(&data, 0, 64).unwrap(), &data[..]);
    assert_eq!(bad(60, 5), ErrorCode::BadResult);
    assert_eq!(bad(65, 0), ErrorCode::BadResult);
    // ptr + len wraps to 16 in 32 bits; it must not read data[..16].
    assert_eq!(bad(-16, 32), ErrorCode::BadResult);
    assert_eq!(bad(-1, 1), ErrorCode::BadResult);
    assert_eq!(bad(1, -1), ErrorCode::BadResult);
    assert_eq!(bad(i32::MIN, i32::MIN), ErrorCode::BadResult);
    assert_eq!(bad(i32::MAX, i32::MAX), ErrorCode::BadResult);
    assert_eq!(result_bytes(&[], 0, 0).unwrap(), b"");
}

/// Bytes that are often UTF-8, often nearly so: text with a byte changed,
/// cut inside a character or extended with a stray byte.
fn nearly_utf8() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..64),
        any::<String>().prop_map(String::into_bytes),
        (any::<String>(), any::<Index>(), any::<u8>()).prop_map(|(s, at, b)| {
            let mut bytes = s.into_bytes();
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            bytes
        }),
        (any::<String>(), any::<Index>()).prop_map(|(s, at)| {
            let bytes = s.into_bytes();
            let cut = at.index(bytes.len() + 1);
            bytes[..cut].to_vec()
        }),
        (
            any::<String>(),
            select(vec![
                0x80u8, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0xff
            ])
        )
            .prop_map(|(s, b)| [s.as_bytes(), &[b]].concat()),
    ]
}

#[test]
fn decode_output_agrees_with_from_utf8() {
    let tally = Tally::default();
    fuzz("decode_output", 0.05, 20_000, nearly_utf8(), |bytes| {
        match (decode_output(&bytes), std::str::from_utf8(&bytes)) {
            (Ok(text), Ok(expected)) => {
                prop_assert_eq!(text, expected);
                tally.add("ok");
            }
            (Err(err), Err(utf8)) => {
                prop_assert_eq!(err.code, ErrorCode::BadResult);
                let offset = format!("offset {}", utf8.valid_up_to());
                prop_assert!(err.detail.contains(&offset), "{}", err);
                tally.add("BAD_RESULT");
            }
            (got, expected) => {
                prop_assert!(false, "decode_output gave {got:?}, from_utf8 {expected:?}")
            }
        }
        Ok(())
    });
    tally.print("decode_output");
}

// ---------------------------------------------------------------------------
// (c) Results through real calls, in both result forms.

/// Reads 8 lowercase hex digits at `$at` as a u32.
const HEX_PARSER: &str = r#"
  (func $hex (param $at i32) (result i32)
    (local $v i32) (local $i i32) (local $c i32)
    (loop $digit
      (local.set $c (i32.load8_u (i32.add (local.get $at) (local.get $i))))
      (local.set $v (i32.or (i32.shl (local.get $v) (i32.const 4))
        (select (i32.sub (local.get $c) (i32.const 48))
                (i32.sub (local.get $c) (i32.const 87))
                (i32.le_u (local.get $c) (i32.const 57)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $i) (i32.const 8))))
    (local.get $v))"#;

/// Where every plugin of this part puts its input (`alloc` always answers it).
const INPUT_AT: usize = 16;

/// A plugin whose `filter` returns the `(ptr, len)` its input spells in its
/// first 16 hex digits, and whose `last_error` returns the one in the next
/// 16, in `packed` or multi-value form. `init` is its `_initialize` body and
/// `extra` more module fields.
fn echo_result_plugin(packed: bool, pages: u32, init: &str, extra: &str) -> Vec<u8> {
    let (result, ret) = if packed {
        (
            "(result i64)",
            "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) \
                     (i64.extend_i32_u (local.get $len)))",
        )
    } else {
        ("(result i32 i32)", "(local.get $ptr) (local.get $len)")
    };
    let error_at = INPUT_AT + 16;
    wat::parse_str(format!(
        r#"(module
          (memory (export "memory") {pages})
          (func (export "alloc") (param i32) (result i32) (i32.const {INPUT_AT}))
          {HEX_PARSER}
          (func (export "_initialize") {init})
          (func (export "filter") (param $p i32) (param $l i32) {result}
            (local $ptr i32) (local $len i32)
            (if (i32.ne (local.get $l) (i32.const 32)) (then unreachable))
            (local.set $ptr (call $hex (local.get $p)))
            (local.set $len (call $hex (i32.add (local.get $p) (i32.const 8))))
            {ret})
          (func (export "last_error") {result}
            (local $ptr i32) (local $len i32)
            (local.set $ptr (call $hex (i32.const {error_at})))
            (local.set $len (call $hex (i32.const {})))
            {ret})
          {extra})"#,
        error_at + 8
    ))
    .expect("valid WAT")
}

/// The memory of [`pattern_plugin`]: 4 KiB blocks of ASCII, of every byte
/// value, and of repeated "é", so that results are valid UTF-8, invalid, or
/// cut inside a character.
const PATTERN_PAGES: u32 = 3;
const PATTERN_SIZE: usize = PATTERN_PAGES as usize * 65536;

fn pattern_byte(i: usize) -> u8 {
    match (i >> 12) % 3 {
        0 => b'a' + (i % 26) as u8,
        1 => i as u8,
        _ => [0xc3, 0xa9][i % 2],
    }
}

/// Fills memory with [`pattern_byte`] at `_initialize`.
const PATTERN_FILL: &str = r#"
    (local $i i32) (local $block i32)
    (loop $fill
      (local.set $block (i32.rem_u (i32.shr_u (local.get $i) (i32.const 12)) (i32.const 3)))
      (i32.store8 (local.get $i)
        (if (result i32) (i32.eqz (local.get $block))
          (then (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 26))))
          (else (if (result i32) (i32.eq (local.get $block) (i32.const 1))
            (then (local.get $i))
            (else (select (i32.const 0xc3) (i32.const 0xa9)
                          (i32.eqz (i32.and (local.get $i) (i32.const 1)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536)))))"#;

fn pattern_plugin(packed: bool) -> Vec<u8> {
    echo_result_plugin(packed, PATTERN_PAGES, PATTERN_FILL, "")
}

/// The input that makes a plugin of this part return `result` from
/// `filter` and `error` from `last_error`.
fn result_input(result: (i32, i32), error: (i32, i32)) -> String {
    [result.0, result.1, error.0, error.1]
        .iter()
        .map(|v| format!("{:08x}", *v as u32))
        .collect()
}

/// The bytes at `(ptr, len)` in [`pattern_plugin`]'s memory after a call
/// with `input`, or `None` when they are not all in it.
fn pattern_bytes(ptr: i32, len: i32, input: &str) -> Option<Vec<u8>> {
    let start = u64::from(ptr as u32);
    let end = start + u64::from(len as u32);
    if end > PATTERN_SIZE as u64 {
        return None;
    }
    let input_at = INPUT_AT..INPUT_AT + input.len();
    let byte = |i: usize| {
        if input_at.contains(&i) {
            input.as_bytes()[i - INPUT_AT]
        } else {
            pattern_byte(i)
        }
    };
    Some((start as usize..end as usize).map(byte).collect())
}

/// What a call of [`pattern_plugin`] must give: the output, or the error
/// code with, where the model knows it, the exact detail.
fn expected_call(
    (ptr, len): (i32, i32),
    (error_ptr, error_len): (i32, i32),
    input: &str,
) -> Result<String, (ErrorCode, Option<String>)> {
    if (ptr, len) == (0, 0) {
        // last_error's text, when it has one that is all in memory.
        let text = (error_len != 0)
            .then(|| pattern_bytes(error_ptr, error_len, input))
            .flatten()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        return Err((ErrorCode::PluginError, text));
    }
    let bytes = pattern_bytes(ptr, len, input).ok_or((ErrorCode::BadResult, None))?;
    String::from_utf8(bytes).map_err(|_| (ErrorCode::BadResult, None))
}

fn test_host(memory_limit_mb: u64) -> Host {
    Host::new(&Settings {
        threads: 1,
        memory_limit_mb,
        cache_dir: None,
        ..Settings::default()
    })
    .unwrap()
}

/// `(ptr, len)` pairs near the edges of [`pattern_plugin`]'s memory.
fn result_pairs() -> impl Strategy<Value = (i32, i32)> {
    prop_oneof![
        (near_edges(PATTERN_SIZE), near_edges(PATTERN_SIZE)),
        (0..=PATTERN_SIZE, -3i64..=3).prop_map(|(ptr, d)| {
            let len = (PATTERN_SIZE as i64 - ptr as i64 + d).max(0);
            (ptr as i32, len as i32)
        }),
        // Short results anywhere: these are mostly in bounds.
        (0..PATTERN_SIZE, 0usize..40).prop_map(|(ptr, len)| (ptr as i32, len as i32)),
    ]
}

#[test]
fn call_results_are_checked_in_both_forms() {
    let host = test_host(256);
    host.add_bytes("packed", &pattern_plugin(true), None)
        .unwrap();
    host.add_bytes("pair", &pattern_plugin(false), None)
        .unwrap();
    let tally = Tally::default();
    let guard = HangGuard::new("call-results");
    // One call in four returns (0, 0), and then `last_error` is read.
    let result = prop_oneof![3 => result_pairs(), 1 => Just((0, 0))];
    let strategy = (any::<bool>(), result, result_pairs());
    fuzz(
        "call-results",
        0.25,
        2000,
        strategy,
        |(packed, result, error)| {
            let name = if packed { "packed" } else { "pair" };
            let input = result_input(result, error);
            let got = guard.watch(
                || format!("{name} {input}"),
                || host.call(name, AbiExport::Filter, &input),
            );
            let case = format!("{name} result {result:#x?} last_error {error:#x?}");
            match (&got, expected_call(result, error, &input)) {
                (Ok(text), Ok(want)) => {
                    prop_assert!(*text == want, "{case}: wrong bytes");
                    tally.add("ok");
                }
                (Err(err), Err((code, detail))) => {
                    prop_assert_eq!(err.code, code, "{}: {}", case, err);
                    if let Some(detail) = detail {
                        prop_assert_eq!(&err.detail, &detail, "{}", case);
                    }
                    prop_assert_eq!(err.export.as_deref(), Some("filter"));
                    tally.add(err.code.as_str());
                }
                (got, want) => prop_assert!(
                    false,
                    "{case} gave {:?}, expected {:?}",
                    got.as_ref().map(String::len).map_err(|e| e.code),
                    want.as_ref().map(String::len).map_err(|e| e.0)
                ),
            }
            // Whatever happened, the next call is served (by a new instance
            // when the last one may be broken).
            let own = result_input((INPUT_AT as i32, 16), (0, 0));
            let next = host.call(name, AbiExport::Filter, &own);
            prop_assert_eq!(next.as_deref(), Ok(&own[..16]), "after {}", case);
            Ok(())
        },
    );
    tally.print("call-results");
    host.close();
}

/// With a full 4 GiB memory, the last byte is readable and one past it is
/// not, in both forms (`memory.data().len()` is 2^32 here, so a u32 sum
/// would wrap to 0).
#[test]
fn a_4_gib_memory_is_readable_to_its_last_byte() {
    let host = test_host(4096);
    let top = r#"(data (i32.const -16) "0123456789abcdef")"#;
    for (name, packed) in [("packed", true), ("pair", false)] {
        host.add_bytes(name, &echo_result_plugin(packed, 65536, "", top), None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let call = |ptr: i32, len: i32, error: (i32, i32)| {
            let input = result_input((ptr, len), error);
            host.call(name, AbiExport::Filter, &input)
                .map_err(|e| (e.code, e.detail))
        };
        assert_eq!(
            call(-16, 16, (0, 0)).as_deref(),
            Ok("0123456789abcdef"),
            "{name}"
        );
        assert_eq!(call(-1, 1, (0, 0)).as_deref(), Ok("f"), "{name}");
        assert_eq!(call(-1, 0, (0, 0)).as_deref(), Ok(""), "{name}");
        assert_eq!(call(-4, 4, (0, 0)).as_deref(), Ok("cdef"), "{name}");
        for (ptr, len) in [(-1, 2), (-16, 17), (-16, -1), (-1, i32::MAX)] {
            let got = call(ptr, len, (0, 0));
            assert!(
                matches!(got, Err((ErrorCode::BadResult, _))),
                "{name} ({ptr}, {len}): {got:?}"
            );
        }
        // last_error at the very top of memory gives the plugin's message.
        let err = call(0, 0, (-4, 4)).unwrap_err();
        assert_eq!(err, (ErrorCode::PluginError, "cdef".to_owned()), "{name}");
        assert_eq!(
            call(0, 0, (0, 0)).unwrap_err().0,
            ErrorCode::PluginError,
            "{name}"
        );
    }
    host.close();
}

// ---------------------------------------------------------------------------
// (d) Guest pointers through the WASI imports.

/// The WASI imports that take guest pointers, with their parameter types
/// (`a`-`d` are the case's arguments) and how many arguments they use.
const WASI_CALLS: [(&str, &str, &str); 11] = [
    (
        "args_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "args_sizes_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "environ_sizes_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "clock_res_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "clock_time_get",
        "(param i32 i64 i32)",
        "(local.get $a) (i64.extend_i32_u (local.get $c)) (local.get $b)",
    ),
    (
        "fd_fdstat_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "fd_filestat_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "random_get",
        "(param i32 i32)",
        "(local.get $a) (local.get $b)",
    ),
    (
        "fd_write",
        "(param i32 i32 i32 i32)",
        "(local.get $a) (local.get $b) (local.get $c) (local.get $d)",
    ),
    (
        "fd_read",
        "(param i32 i32 i32 i32)",
        "(local.get $a) (local.get $b) (local.get $c) (local.get $d)",
    ),
    (
        "poll_oneoff",
        "(param i32 i32 i32 i32)",
        "(local.get $a) (local.get $b) (local.get $c) (local.get $d)",
    ),
];

/// A one-page plugin whose `filter` reads 5 hex numbers (which import, then
/// its arguments `a`-`d`), calls that import and returns its errno as two
/// hex digits.
fn wasi_plugin() -> Vec<u8> {
    let mut imports = String::new();
    let mut dispatch = String::new();
    for (i, (name, params, args)) in WASI_CALLS.iter().enumerate() {
        let _ = write!(
            imports,
            r#"(import "wasi_snapshot_preview1" "{name}" (func ${name} {params} (result i32)))"#
        );
        let _ = write!(
            dispatch,
            "(if (i32.eq (local.get $which) (i32.const {i})) \
               (then (local.set $errno (call ${name} {args}))))"
        );
    }
    wat::parse_str(format!(
        r#"(module {imports}
          (memory (export "memory") 1)
          (func (export "alloc") (param i32) (result i32) (i32.const {INPUT_AT}))
          {HEX_PARSER}
          (func $digit (param $v i32) (result i32)
            (select (i32.add (local.get $v) (i32.const 48)) (i32.add (local.get $v) (i32.const 87))
                    (i32.lt_u (local.get $v) (i32.const 10))))
          (func (export "filter") (param $p i32) (param $l i32) (result i32 i32)
            (local $which i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32)
            (local $errno i32)
            (local.set $which (call $hex (local.get $p)))
            (local.set $a (call $hex (i32.add (local.get $p) (i32.const 8))))
            (local.set $b (call $hex (i32.add (local.get $p) (i32.const 16))))
            (local.set $c (call $hex (i32.add (local.get $p) (i32.const 24))))
            (local.set $d (call $hex (i32.add (local.get $p) (i32.const 32))))
            (local.set $errno (i32.const -1))
            {dispatch}
            (i32.store8 (i32.const 8) (call $digit (i32.and (i32.shr_u (local.get $errno) (i32.const 4)) (i32.const 15))))
            (i32.store8 (i32.const 9) (call $digit (i32.and (local.get $errno) (i32.const 15))))
            (i32.const 8) (i32.const 2)))"#
    ))
    .expect("valid WAT")
}

mod errno {
    pub const SUCCESS: u32 = 0;
    pub const BADF: u32 = 8;
    pub const FAULT: u32 = 21;
    pub const INVAL: u32 = 28;
}

/// The errno an import must answer, where it depends only on whether its
/// pointers are in the 64 KiB memory; `None` where any errno will do (the
/// iovec and subscription calls, whose memory contents vary).
fn expected_errno(which: usize, [a, b, _, _]: [u32; 4]) -> Option<u32> {
    const MEMORY: u64 = 65536;
    let fits = |at: u32, len: u64| u64::from(at) + len <= MEMORY;
    let fault_unless = |ok: bool| if ok { errno::SUCCESS } else { errno::FAULT };
    Some(match WASI_CALLS[which].0 {
        // The program name is the plugin's, "wasi", and a NUL.
        "args_get" => fault_unless(fits(b, 5) && fits(a, 4)),
        "args_sizes_get" | "environ_sizes_get" => fault_unless(fits(a, 4) && fits(b, 4)),
        "clock_res_get" | "clock_time_get" if a > 3 => errno::INVAL,
        "clock_res_get" | "clock_time_get" => fault_unless(fits(b, 8)),
        "fd_fdstat_get" | "fd_filestat_get" if a > 2 => errno::BADF,
        "fd_fdstat_get" => fault_unless(fits(b, 24)),
        "fd_filestat_get" => fault_unless(fits(b, 64)),
        "random_get" => fault_unless(fits(a, u64::from(b))),
        "fd_write" if a != 1 && a != 2 => errno::BADF,
        "fd_read" if a != 0 => errno::BADF,
        _ => return None,
    })
}

#[test]
fn wasi_imports_check_guest_pointers() {
    let host = test_host(256);
    host.add_bytes("wasi", &wasi_plugin(), None).unwrap();
    let tally = Tally::default();
    let guard = HangGuard::new("wasi-pointers");
    let arg = || prop_oneof![0u32..=4, near_edges(65536).prop_map(|v| v as u32)];
    let strategy = (0..WASI_CALLS.len(), [arg(), arg(), arg(), arg()]);
    fuzz("wasi-pointers", 0.15, 2000, strategy, |(which, args)| {
        let input = format!(
            "{which:08x}{:08x}{:08x}{:08x}{:08x}",
            args[0], args[1], args[2], args[3]
        );
        let name = WASI_CALLS[which].0;
        let out = guard.watch(
            || format!("{name} {input}"),
            || host.call("wasi", AbiExport::Filter, &input),
        );
        let out = out.map_err(|e| TestCaseError::fail(format!("{name}{args:x?}: {e}")))?;
        let errno = u32::from_str_radix(&out, 16).expect("two hex digits");
        if let Some(want) = expected_errno(which, args) {
            prop_assert_eq!(errno, want, "{}{:x?}", name, args);
        }
        tally.add(format!("{name} errno {errno}"));
        Ok(())
    });
    tally.print("wasi-pointers");
    host.close();
}
