//! Issue 11, items 1, 2, 4 and 10: no way around the memory cap (memories,
//! tables, the GC heap), compile bombs refused before they are compiled, and
//! the time limit counted in CPU time. Each hostile module goes through the
//! sync, async and batch paths where it applies, and a normal call follows.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use alloy_wasm::validate::LIMITS;
use alloy_wasm::{AbiExport, ErrorCode, Host, PluginError, Settings};

/// memory, a bump `alloc`, and a packed `filter` that echoes unless the
/// input starts with `!`, when it runs `misbehave` first.
mod common;

/// The shared echo plugin, in the packed result form.
fn echo_plugin(misbehave: &str, extra: &str) -> Vec<u8> {
    common::echo_plugin("packed", misbehave, extra)
}

fn host(settings: Settings) -> Arc<Host> {
    Arc::new(
        Host::new(&Settings {
            cache_dir: None,
            threads: 2,
            ..settings
        })
        .expect("a host starts"),
    )
}

fn small_cap(mb: u64) -> Settings {
    Settings {
        memory_limit_mb: mb,
        ..Settings::default()
    }
}

/// `input` through the sync, async and batch paths of plugin `name`:
/// each must fail with `code`, and a normal call must follow each.
fn fails_everywhere(host: &Arc<Host>, name: &str, input: &str, code: ErrorCode) -> PluginError {
    let sync = host.call(name, AbiExport::Filter, input).unwrap_err();
    assert_eq!(sync.code, code, "sync: {sync}");
    assert_eq!(sync.plugin.as_deref(), Some(name));
    assert_eq!(host.call(name, AbiExport::Filter, "ok").unwrap(), "ok");

    let (tx, rx) = mpsc::channel();
    host.spawn_call(name.into(), AbiExport::Filter, input.into(), move |r| {
        tx.send(r).unwrap()
    });
    let err = rx.recv().unwrap().unwrap_err();
    assert_eq!(err.code, code, "async: {err}");
    let (tx, rx) = mpsc::channel();
    host.spawn_call(name.into(), AbiExport::Filter, "ok".into(), move |r| {
        tx.send(r).unwrap()
    });
    assert_eq!(rx.recv().unwrap().unwrap(), "ok");

    let mut inputs: Vec<String> = (0..12).map(|i| format!("page {i}")).collect();
    inputs[7] = input.into();
    let (tx, rx) = mpsc::channel();
    host.spawn_many(name, AbiExport::Filter, inputs.clone(), move |r| {
        tx.send(r).unwrap()
    });
    let err = rx.recv().unwrap().unwrap_err();
    assert_eq!((err.code, err.index), (code, Some(7)), "batch: {err}");
    inputs[7] = "page 7".into();
    let (tx, rx) = mpsc::channel();
    host.spawn_many(name, AbiExport::Filter, inputs.clone(), move |r| {
        tx.send(r).unwrap()
    });
    assert_eq!(rx.recv().unwrap().unwrap(), inputs);
    sync
}

fn refused_at_load(wasm: &[u8], needle: &str) -> PluginError {
    let host = host(Settings::default());
    let err = host.add_bytes("hostile", wasm, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidModule, "{err}");
    assert_eq!(err.plugin.as_deref(), Some("hostile"), "{err}");
    assert!(err.detail.contains(needle), "{needle:?} not in {err}");
    // The host is unharmed: a normal plugin loads and runs beside it.
    host.add_bytes("echo", &echo_plugin("nop", ""), None)
        .unwrap();
    assert_eq!(host.call("echo", AbiExport::Filter, "hi").unwrap(), "hi");
    err
}

// ---------------------------------------------------------------------------
// Item 1: every memory, table and GC heap under the one cap.

#[test]
fn extra_memories_are_refused_at_load() {
    // 31 memories of 60 MiB each, every one under a 64 MiB cap.
    let memories: String = (0..31).map(|i| format!("(memory $m{i} 960)\n")).collect();
    let wasm = echo_plugin("nop", &memories);
    refused_at_load(&wasm, "32 memories");
}

#[test]
fn extra_tables_are_refused_at_load() {
    let tables: String = (0..16)
        .map(|i| format!("(table $t{i} 1 funcref)\n"))
        .collect();
    refused_at_load(&echo_plugin("nop", &tables), "16 tables");
}

#[test]
fn gc_types_and_exceptions_are_refused_at_load() {
    let gc = echo_plugin(
        "nop",
        r#"(type $big (array (mut i64)))
           (func (export "shortcode") (param i32 i32) (result i64)
             (drop (array.new_default $big (i32.const 1000000))) (i64.const 0))"#,
    );
    refused_at_load(&gc, "array type");
    let structs = echo_plugin("nop", "(type (struct (field i32)))");
    refused_at_load(&structs, "struct type");
    let tag = echo_plugin("nop", "(tag $e (param i32))");
    refused_at_load(&tag, "exception handling");
}

#[test]
fn memory_and_table_share_one_budget() {
    // 6 MiB of memory and then 4 MiB of table (512 Ki entries of 8 bytes):
    // each under the 8 MiB cap, together over it.
    let host = host(small_cap(8));
    let wasm = echo_plugin(
        "(drop (memory.grow (i32.const 95)))
         (if (i32.eq (table.grow $t (ref.null func) (i32.const 524288)) (i32.const -1))
           (then unreachable))",
        "(table $t 1 funcref)",
    );
    host.add_bytes("both", &wasm, None).unwrap();
    let err = fails_everywhere(&host, "both", "!", ErrorCode::MemoryLimit);
    assert!(err.detail.contains("a table"), "{err}");
    assert!(err.detail.contains("8 MiB limit"), "{err}");
}

// ---------------------------------------------------------------------------
// Item 2: tables past the cap are MEMORY_LIMIT, at load and when grown.

#[test]
fn a_table_grown_past_the_cap_is_memory_limit() {
    let host = host(small_cap(16));
    let wasm = echo_plugin(
        "(if (i32.eq (table.grow $t (ref.null func) (i32.const 100000000)) (i32.const -1))
           (then unreachable))",
        "(table $t 1 funcref)",
    );
    host.add_bytes("tables", &wasm, None).unwrap();
    fails_everywhere(&host, "tables", "!", ErrorCode::MemoryLimit);
}

#[test]
fn an_initial_table_past_the_cap_is_memory_limit() {
    let host = host(small_cap(64));
    let wasm = echo_plugin("nop", "(table $t 100000000 funcref)");
    let err = host.add_bytes("huge-table", &wasm, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::MemoryLimit, "{err}");
    assert!(err.detail.contains("64 MiB limit"), "{err}");
    host.add_bytes("echo", &echo_plugin("nop", ""), None)
        .unwrap();
    assert_eq!(host.call("echo", AbiExport::Filter, "hi").unwrap(), "hi");
}

#[test]
fn recycling_sees_the_table_too() {
    // A 64 KiB memory and a table grown to 8 MiB on "!": the instance is
    // over the 4 MiB recycling threshold and must be replaced.
    let host = host(Settings {
        memory_limit_mb: 64,
        recycle_memory_mb: Some(4),
        ..Settings::default()
    });
    let wasm = echo_plugin(
        "(drop (table.grow $t (ref.null func) (i32.const 1048576)))",
        "(table $t 1 funcref)",
    );
    host.add_bytes("grows-table", &wasm, None).unwrap();
    assert_eq!(
        host.call("grows-table", AbiExport::Filter, "a").unwrap(),
        "a"
    );
    assert_eq!(host.pool_stats("grows-table").unwrap().recycled, 0);
    assert_eq!(
        host.call("grows-table", AbiExport::Filter, "!").unwrap(),
        "!"
    );
    assert_eq!(host.pool_stats("grows-table").unwrap().recycled, 1);
    assert_eq!(
        host.call("grows-table", AbiExport::Filter, "b").unwrap(),
        "b"
    );
}

// ---------------------------------------------------------------------------
// Item 4: compile bombs are refused before they are compiled.

/// A module of the ABI exports plus one function of `depth` nested blocks.
fn nested_blocks_module(depth: usize) -> Vec<u8> {
    // The WAT of a module with an empty function last, whose body is then
    // replaced in the binary: a WAT of millions of blocks is slow to parse.
    let wasm = echo_plugin("nop", "(func $bomb)");
    let code = section(&wasm, 10);
    let contents = &wasm[code.clone()];
    // The size prefix was counted for the last body, `$bomb`'s: size 2, no
    // locals, `end`.
    assert_eq!(&contents[contents.len() - 3..], [0x02, 0x00, 0x0b]);
    let mut body = vec![0x00]; // no locals
    for _ in 0..depth {
        body.extend([0x02, 0x40]); // block (empty type)
    }
    body.extend(std::iter::repeat_n(0x0b, depth + 1));
    let mut new_contents = contents[..contents.len() - 3].to_vec();
    new_contents.extend(leb(body.len()));
    new_contents.extend(&body);
    // Section id and size, then the rest of the module as it was.
    let header_start = code.start - 1 - leb(contents.len()).len();
    let mut out = wasm[..header_start].to_vec();
    out.push(10);
    out.extend(leb(new_contents.len()));
    out.extend(new_contents);
    out.extend(&wasm[code.end..]);
    out
}

/// Like [`nested_blocks_module`], with `runs` runs of `depth` nested blocks.
fn block_runs_module(runs: usize, depth: usize) -> Vec<u8> {
    let one = nested_blocks_module(depth);
    let code = section(&one, 10);
    let contents = &one[code.clone()];
    // The last body: its size prefix, then no locals, the blocks, the ends.
    let body_len = 1 + depth * 3 + 1;
    let prefix = leb(body_len).len();
    let head = &contents[..contents.len() - body_len - prefix];
    let mut body = vec![0x00];
    for _ in 0..runs {
        for _ in 0..depth {
            body.extend([0x02, 0x40]);
        }
        body.extend(std::iter::repeat_n(0x0b, depth));
    }
    body.push(0x0b);
    let mut new_contents = head.to_vec();
    new_contents.extend(leb(body.len()));
    new_contents.extend(&body);
    let header_start = code.start - 1 - leb(contents.len()).len();
    let mut out = one[..header_start].to_vec();
    out.push(10);
    out.extend(leb(new_contents.len()));
    out.extend(new_contents);
    out.extend(&one[code.end..]);
    out
}

/// What compiling many blocks costs: `ALLOY_BLOCKS=<runs>x<depth>`.
#[test]
#[ignore]
fn measure_block_compile_cost() {
    let spec = std::env::var("ALLOY_BLOCKS").unwrap_or_else(|_| "100x10000".into());
    let (runs, depth) = spec.split_once('x').unwrap();
    let wasm = block_runs_module(runs.parse().unwrap(), depth.parse().unwrap());
    let engine = alloy_wasm::engine::shared_engine();
    let started = Instant::now();
    wasmtime::Module::new(engine, &wasm).unwrap();
    // SAFETY: getrusage only writes the struct it is given.
    let max_rss_kb = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_maxrss
    };
    eprintln!(
        "{spec}: {} bytes compiled in {:?}, peak RSS {} MiB",
        wasm.len(),
        started.elapsed(),
        max_rss_kb >> 10
    );
}

/// The contents of the section with `id` (the first such).
fn section(wasm: &[u8], id: u8) -> std::ops::Range<usize> {
    let mut at = 8;
    loop {
        let (size, len) = read_leb(&wasm[at + 1..]);
        let contents = at + 1 + len..at + 1 + len + size;
        if wasm[at] == id {
            return contents;
        }
        at = contents.end;
    }
}

fn leb(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb(bytes: &[u8]) -> (usize, usize) {
    let (mut n, mut shift, mut i) = (0usize, 0, 0);
    loop {
        let byte = bytes[i];
        n |= ((byte & 0x7f) as usize) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            return (n, i);
        }
        shift += 7;
    }
}

#[test]
fn a_nesting_bomb_is_refused_before_compiling() {
    // 2.5 million nested blocks, 7.5 MB: took 10 s and 2 GB to compile.
    let bomb = nested_blocks_module(2_500_000);
    assert!(bomb.len() > 7_000_000);
    let started = Instant::now();
    let err = refused_at_load(&bomb, "limit: function size");
    eprintln!("bomb refused in {:?}: {err}", started.elapsed());
    // Under the function size limit but nested too deep.
    let deep = nested_blocks_module(LIMITS.max_nesting as usize + 1);
    refused_at_load(&deep, "limit: nesting depth");
}

#[test]
fn too_many_blocks_are_refused_before_compiling() {
    // 101,000 blocks, 10 deep at most, in 300 KB: under the size and
    // nesting limits, over the blocks one function may have (a million of
    // them took 6.7 s and 840 MB to compile).
    let many = block_runs_module(10_100, 10);
    refused_at_load(&many, "limit: blocks per function");
    let host = host(Settings::default());
    host.add_bytes("fine", &block_runs_module(1_000, 10), None)
        .unwrap();
    assert_eq!(host.call("fine", AbiExport::Filter, "x").unwrap(), "x");
}

#[test]
fn nesting_at_the_limit_still_loads() {
    let host = host(Settings::default());
    let started = Instant::now();
    host.add_bytes(
        "deep",
        &nested_blocks_module(LIMITS.max_nesting as usize),
        None,
    )
    .unwrap();
    eprintln!(
        "{} nested blocks compiled in {:?}",
        LIMITS.max_nesting,
        started.elapsed()
    );
    assert_eq!(host.call("deep", AbiExport::Filter, "x").unwrap(), "x");
}

#[test]
fn a_big_real_shaped_plugin_still_loads() {
    // 5,000 functions of ordinary code and 4 MiB of embedded data: bigger
    // than any example plugin, far under every limit.
    let mut extra = String::new();
    for i in 0..5_000 {
        extra.push_str(&format!(
            "(func $f{i} (param i32) (result i32)
               (local i32)
               (block (loop
                 (local.set 1 (i32.add (local.get 1) (i32.load8_u (local.get 0))))
                 (br_if 1 (i32.eqz (local.get 0)))
                 (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                 (br 0)))
               (i32.xor (local.get 1) (i32.const {i})))\n"
        ));
    }
    extra.push_str(&format!(
        "(data (i32.const 65536) \"{}\")",
        "\\2a".repeat(4 << 20)
    ));
    let wasm = wat::parse_str(common::echo_wat("packed", "nop", &extra).replace(
        "(memory (export \"memory\") 1)",
        "(memory (export \"memory\") 80)",
    ))
    .unwrap();
    assert!(wasm.len() > 4 << 20);
    let host = host(Settings::default());
    let started = Instant::now();
    host.add_bytes("big", &wasm, None).unwrap();
    eprintln!(
        "{} MB plugin loaded in {:?}",
        wasm.len() >> 20,
        started.elapsed()
    );
    assert_eq!(host.call("big", AbiExport::Filter, "fine").unwrap(), "fine");
}

// ---------------------------------------------------------------------------
// Item 10: the time limit is the thread's CPU time.

/// Pins the calling thread (and the threads it starts later) to one CPU.
#[cfg(target_os = "linux")]
fn pin_to_one_cpu() {
    // SAFETY: `set` is a plain bitmask owned by this frame; the calls only
    // read and write it and the calling thread's affinity.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(
            libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set),
            0
        );
        let cpu = (0..libc::CPU_SETSIZE as usize)
            .find(|&cpu| libc::CPU_ISSET(cpu, &set))
            .expect("some CPU is allowed");
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        assert_eq!(
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set),
            0
        );
    }
}

/// A call preempted by busy threads on the same CPU still finishes when the
/// CPU time it needs is under the limit, though its wall-clock time is well
/// over it; a runaway call is still stopped. Runs in its own thread, so that
/// the pinning affects only it, the host's workers and the spinners.
#[cfg(target_os = "linux")]
#[test]
fn the_time_limit_is_cpu_time() {
    std::thread::spawn(|| {
        pin_to_one_cpu();
        const TIMEOUT_MS: u64 = 200;
        let host = host(Settings {
            timeout_ms: TIMEOUT_MS,
            threads: 1,
            ..Settings::default()
        });
        // On "!<n>": spins for n × 10 million rounds; on "!!": forever.
        let spin = echo_plugin(
            "(if (i32.eq (i32.load8_u offset=1 (local.get $p)) (i32.const 33))
               (then (loop (br 0))))
             (local.set $l (i32.mul (i32.sub (i32.load8_u offset=1 (local.get $p)) (i32.const 48))
                                    (i32.const 10000000)))
             (loop
               (local.set $l (i32.sub (local.get $l) (i32.const 1)))
               (br_if 0 (i32.gt_s (local.get $l) (i32.const 0))))
             (local.set $l (i32.const 2))",
            "",
        );
        host.add_bytes("spin", &spin, None).unwrap();
        // Alone on its CPU: how many units of rounds make half the limit
        // (the fastest of three runs, in case something else ran).
        let mut per_unit = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(host.call("spin", AbiExport::Filter, "!1").unwrap(), "!1");
            per_unit = per_unit.min(started.elapsed().as_secs_f64());
        }
        let half_limit = TIMEOUT_MS as f64 / 1000.0 / 2.0;
        let units = ((half_limit / per_unit) as u64).clamp(1, 9);
        let input = format!("!{units}");

        // Five busy threads on the same CPU: the call gets about a sixth of
        // it, so half the limit in CPU time is about three limits of wall
        // time; a wall-clock limit stops it, a CPU-time limit does not.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinners: Vec<_> = (0..5)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        let sync = host.call("spin", AbiExport::Filter, &input);
        let (tx, rx) = mpsc::channel();
        host.spawn_call("spin".into(), AbiExport::Filter, input.clone(), move |r| {
            tx.send(r).unwrap()
        });
        let asynchronous = rx.recv().unwrap();
        let runaway = host.call("spin", AbiExport::Filter, "!!");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for spinner in spinners {
            spinner.join().unwrap();
        }
        assert_eq!(sync.as_deref(), Ok(input.as_str()), "sync, preempted");
        assert_eq!(
            asynchronous.as_deref(),
            Ok(input.as_str()),
            "async, preempted"
        );
        assert_eq!(runaway.unwrap_err().code, ErrorCode::Timeout);
        assert_eq!(host.call("spin", AbiExport::Filter, "ok").unwrap(), "ok");
    })
    .join()
    .unwrap();
}
