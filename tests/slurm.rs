//! The README's SLURM recipe, run as written on a real one-node cluster: the test starts its own
//! munged, slurmctld and slurmd (Debian's packages, installed by `scripts/setup --test`) in a
//! temporary folder, with a private munge socket and free ports, so it touches no other SLURM
//! or munge on the machine. It writes the README's `shards.sbatch` and `submit.sh` blocks to
//! files, changes only the `export RAW=…` line of settings, runs `submit.sh`: a 3-task array
//! of `cameo build --shard I/3` and an `afterok` merge job. The merged collection must be the
//! one-machine build byte for byte, and `cameo verify` must pass.
//!
//! slurmd runs jobs as their user only as root, so the test needs root (CI runs as root).
//! Where SLURM, munge or root is missing the test is skipped with the reason, unless
//! `CI=true`, where it fails. It stops only the daemons it started, by their PIDs.
mod common;

use cameo::fixtures::{cafe, ravdess};
use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const README: &str = include_str!("../README.md");
/// How long the three shards and the merge may take on a 2-core machine (they take seconds).
const JOBS_TIMEOUT: Duration = Duration::from_secs(180);
/// Pending reasons that no waiting resolves.
const NEVER_RUNS: [&str; 4] = ["PartitionConfig", "BadConstraints", "PartitionNodeLimit", "ReqNodeNotAvail"];
/// How long the daemons may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether `program` is an executable on PATH (SLURM's clients fail even `--version` without
/// a slurm.conf, so running them proves nothing).
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .any(|dir| fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The fenced code blocks of a markdown text, each without the fence's indentation.
fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for line in markdown.lines() {
        let indent = line.len() - line.trim_start().len();
        match &mut open {
            None if line.trim_start().starts_with("```") => open = Some((indent, String::new())),
            Some(_) if line.trim() == "```" => blocks.push(open.take().unwrap().1),
            Some((fence_indent, block)) => {
                let cut = indent.min(*fence_indent);
                block.push_str(&line[cut..]);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The README block whose second line (after the shebang) or first line is `marker`.
fn readme_block(marker: &str) -> String {
    let found: Vec<String> = code_blocks(README)
        .into_iter()
        .filter(|block| block.lines().take(2).any(|line| line.starts_with(marker)))
        .collect();
    assert_eq!(found.len(), 1, "README.md must have exactly one code block headed `{marker}`");
    found.into_iter().next().unwrap()
}

/// Two corpora, with duplicates, rejects and skips from their trap sets (as tests/shard.rs).
fn raw_tree(raw: &Path) {
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.05).unwrap();
    ravdess::write_traps(&raw.join("ravdess")).unwrap();
    cafe::write_population(&raw.join("cafe"), &cafe::population(1..=1), 0.05).unwrap();
    cafe::write_traps(&raw.join("cafe")).unwrap();
}

/// Two distinct ports that nothing listens on now (both held while the second is chosen).
fn free_ports() -> (u16, u16) {
    let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let second = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (first.local_addr().unwrap().port(), second.local_addr().unwrap().port())
}

/// A running one-node cluster in `dir`: munged, slurmctld, slurmd, each a child of the test.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    /// (name, process), in start order; stopped in reverse order.
    daemons: Vec<(&'static str, Child)>,
    /// Where the jobs' own output (slurm-*.out) goes.
    work: PathBuf,
}

impl Cluster {
    fn start(dir: &Path, work: &Path) -> Cluster {
        fs::create_dir_all(dir.join("state")).unwrap();
        fs::create_dir_all(dir.join("spool")).unwrap();
        // munged refuses a socket in a folder that not everyone may enter.
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            conf: dir.join("slurm.conf"),
            daemons: Vec::new(),
            work: work.to_path_buf(),
        };

        let key = dir.join("munge.key");
        let output =
            Command::new("mungekey").arg("--create").arg(format!("--keyfile={}", key.display())).output().unwrap();
        assert!(output.status.success(), "mungekey failed: {}", text(&output));
        let socket = dir.join("munge.socket");
        cluster.spawn(
            "munged",
            Command::new("munged").arg("--foreground").args([
                format!("--socket={}", socket.display()),
                format!("--key-file={}", key.display()),
                format!("--pid-file={}", dir.join("munged.pid").display()),
                format!("--seed-file={}", dir.join("munged.seed").display()),
            ]),
        );
        cluster.wait_until("munged answers on its socket", |_| {
            Command::new("munge")
                .args(["--no-input", "--socket"])
                .arg(&socket)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        });

        fs::write(&cluster.conf, cluster.config(&socket)).unwrap();
        let conf = cluster.conf.clone();
        cluster.spawn("slurmctld", Command::new("slurmctld").arg("-D").arg("-f").arg(&conf));
        cluster.spawn("slurmd", Command::new("slurmd").arg("-D").arg("-f").arg(&conf));
        cluster.wait_until("the node is idle (sinfo)", |cluster| {
            let output = cluster.command("sinfo").args(["--noheader", "--format=%T"]).output().unwrap();
            String::from_utf8_lossy(&output.stdout).trim() == "idle"
        });
        cluster
    }

    /// slurm.conf: this machine as the controller and the only node (`slurmd -C` gives its
    /// line), no cgroups (PID 1 need not be systemd), everything in `dir`.
    fn config(&self, socket: &Path) -> String {
        let host = Command::new("hostname").arg("-s").output().unwrap();
        let host = String::from_utf8_lossy(&host.stdout).trim().to_string();
        let probe = Command::new("slurmd").arg("-C").output().unwrap();
        let probe = String::from_utf8_lossy(&probe.stdout).into_owned();
        let node = probe
            .lines()
            .find(|l| l.starts_with("NodeName="))
            .unwrap_or_else(|| panic!("slurmd -C printed no node line:\n{probe}"));
        let d = self.dir.display();
        let (controller_port, node_port) = free_ports();
        format!(
            "ClusterName=cameotest\n\
             SlurmctldHost={host}(127.0.0.1)\n\
             SlurmctldPort={}\n\
             SlurmdPort={}\n\
             SlurmUser=root\n\
             AuthType=auth/munge\n\
             CredType=cred/munge\n\
             AuthInfo=socket={}\n\
             StateSaveLocation={d}/state\n\
             SlurmdSpoolDir={d}/spool\n\
             SlurmctldPidFile={d}/slurmctld.pid\n\
             SlurmdPidFile={d}/slurmd.pid\n\
             SlurmctldLogFile={d}/slurmctld.log\n\
             SlurmdLogFile={d}/slurmd.log\n\
             ProctrackType=proctrack/linuxproc\n\
             TaskPlugin=task/none\n\
             SelectType=select/cons_tres\n\
             SelectTypeParameters=CR_Core\n\
             MpiDefault=none\n\
             MailProg=/bin/true\n\
             ReturnToService=2\n\
             {node} NodeAddr=127.0.0.1 State=UNKNOWN\n\
             PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
            controller_port,
            node_port,
            socket.display()
        )
    }

    fn spawn(&mut self, name: &'static str, command: &mut Command) {
        let log = fs::File::create(self.dir.join(format!("{name}.out"))).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        self.daemons.push((name, child));
    }

    /// A SLURM client command aimed at this cluster.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", &self.conf);
        command
    }

    /// Polls `ready` until it holds; fails with the logs when a daemon exits or time runs out.
    fn wait_until(&mut self, what: &str, ready: impl Fn(&Cluster) -> bool) {
        let start = Instant::now();
        loop {
            if ready(self) {
                return;
            }
            for (name, child) in &mut self.daemons {
                if let Some(status) = child.try_wait().unwrap() {
                    let name = *name;
                    self.fail(&format!("{name} exited ({status}) while waiting until {what}"));
                }
            }
            if start.elapsed() > START_TIMEOUT {
                self.fail(&format!("timed out after {START_TIMEOUT:?} waiting until {what}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Every job the controller knows, one line each (`scontrol show job --oneliner`).
    fn jobs(&self) -> Vec<Job> {
        let output = self.command("scontrol").args(["show", "job", "--oneliner"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).lines().filter(|l| l.starts_with("JobId=")).map(Job::parse).collect()
    }

    /// Panics with `message`, the job list, the jobs' output and the daemons' logs.
    fn fail(&self, message: &str) -> ! {
        let mut report = format!("{message}\n");
        let output = self.command("scontrol").args(["show", "job", "--oneliner"]).output();
        if let Ok(output) = output {
            report.push_str(&format!("--- scontrol show job\n{}", text(&output)));
        }
        // The jobs' output first, then each daemon's log (its captured stderr where it has no
        // log file of its own: munged in the foreground, or a daemon that died before logging).
        let listing = |dir: &Path| {
            let mut files: Vec<PathBuf> = fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
            files.sort();
            files
        };
        let mut files: Vec<PathBuf> =
            listing(&self.work).into_iter().filter(|p| p.extension().is_some_and(|e| e == "out")).collect();
        for file in listing(&self.dir) {
            let is = |extension: &str| file.extension().is_some_and(|e| e == extension);
            if is("log") || (is("out") && !file.with_extension("log").exists()) {
                files.push(file);
            }
        }
        for file in files {
            let content = fs::read_to_string(&file).unwrap_or_default();
            let lines: Vec<&str> = content.lines().collect();
            report.push_str(&format!("--- {} (last 30 lines)\n", file.display()));
            for line in &lines[lines.len().saturating_sub(30)..] {
                report.push_str(line);
                report.push('\n');
            }
        }
        panic!("{report}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Jobs first (only this cluster's: SLURM_CONF names it), so no slurmstepd outlives slurmd.
        if self.daemons.len() == 3 {
            let _ = self.command("scancel").args(["--user", "root"]).output();
        }
        for (name, child) in self.daemons.iter_mut().rev() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let start = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if start.elapsed() > Duration::from_secs(15) {
                    eprintln!("{name} (pid {}) ignored SIGTERM for 15 s; killing it", child.id());
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// The fields of one `scontrol show job --oneliner` line that the test reads.
#[derive(Debug)]
struct Job {
    id: String,
    array_job: Option<String>,
    array_task: Option<String>,
    state: String,
    reason: String,
    exit_code: String,
}

impl Job {
    fn parse(line: &str) -> Job {
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|pair| pair.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')).map(str::to_string))
        };
        Job {
            id: field("JobId").unwrap(),
            array_job: field("ArrayJobId"),
            array_task: field("ArrayTaskId"),
            state: field("JobState").unwrap_or_default(),
            reason: field("Reason").unwrap_or_default(),
            exit_code: field("ExitCode").unwrap_or_default(),
        }
    }
}

/// Runs `command` to its end, or kills it after `limit`.
fn run_with_timeout(command: &mut Command, limit: Duration) -> Option<Output> {
    let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(limit) {
        Ok(output) => Some(output.unwrap()),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            None
        }
    }
}

#[test]
fn the_readme_sbatch_array_and_afterok_merge_give_the_one_machine_build() {
    let tools = ["munged", "mungekey", "munge", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo", "scancel"];
    let missing: Vec<&str> = tools.iter().copied().filter(|tool| !on_path(tool)).collect();
    if !require(&format!("SLURM and munge ({})", missing.join(", ")), missing.is_empty()) {
        return;
    }
    let uid = Command::new("id").arg("-u").output().unwrap();
    if !require(
        "root (slurmd starts jobs as their user only as root)",
        String::from_utf8_lossy(&uid.stdout).trim() == "0",
    ) {
        return;
    }

    // The recipe, exactly as the README gives it; only the settings line is this test's.
    let sbatch = readme_block("# shards.sbatch");
    let submit = readme_block("# submit.sh");
    assert!(sbatch.starts_with("#!"), "shards.sbatch must start with #! (sbatch refuses a script without it)");
    let settings: Vec<&str> = submit.lines().filter(|l| l.starts_with("export RAW=")).collect();
    assert_eq!(settings.len(), 1, "submit.sh must set RAW, SCRATCH, OUT and SHARDS on one `export RAW=` line");

    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    raw_tree(&raw);
    let scratch = dir.path().join("scratch");
    let out = dir.path().join("cameo");
    let whole = dir.path().join("whole");
    let work = dir.path().join("work");
    fs::create_dir_all(&work).unwrap();
    let ours = format!("export RAW={} SCRATCH={} OUT={} SHARDS=3", raw.display(), scratch.display(), out.display());
    fs::write(work.join("shards.sbatch"), &sbatch).unwrap();
    fs::write(work.join("submit.sh"), submit.replace(settings[0], &ours)).unwrap();

    let (code, _, stderr) =
        run_cameo(&["build", "--raw", raw.to_str().unwrap(), "--out", whole.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "the one-machine build failed: {stderr}");

    let cluster = Cluster::start(&dir.path().join("cluster"), &work);
    // The jobs find `cameo` on PATH, as on a cluster where it is installed (sbatch exports
    // the submitting environment).
    let bin_dir = cameo_bin().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let submitted = run_with_timeout(
        cluster.command("bash").arg("submit.sh").current_dir(&work).env("PATH", &path),
        Duration::from_secs(60),
    );
    let Some(submitted) = submitted else { cluster.fail("submit.sh did not finish within 60 s") };
    if !submitted.status.success() {
        cluster.fail(&format!("submit.sh failed ({}): {}", submitted.status, text(&submitted)));
    }
    // `sbatch --parsable` prints the merge job's id last.
    let stdout = String::from_utf8_lossy(&submitted.stdout);
    let merge_id = stdout.lines().last().unwrap_or_default().split(';').next().unwrap().trim().to_string();
    if merge_id.parse::<u64>().is_err() {
        cluster.fail(&format!("submit.sh printed no job id: {}", text(&submitted)));
    }

    let start = Instant::now();
    let jobs = loop {
        let jobs = cluster.jobs();
        // A job this one node can never run (more CPUs or memory than it has) waits forever.
        if let Some(stuck) = jobs.iter().find(|j| j.state == "PENDING" && NEVER_RUNS.contains(&j.reason.as_str())) {
            cluster.fail(&format!(
                "job {} can never run here ({}): does the README ask more than a 2-CPU node has?",
                stuck.id, stuck.reason
            ));
        }
        if let Some(merge) = jobs.iter().find(|j| j.id == merge_id) {
            match merge.state.as_str() {
                "COMPLETED" => break jobs,
                "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" if merge.reason != "DependencyNeverSatisfied" => {}
                _ => cluster.fail(&format!(
                    "the merge job {merge_id} ended {} ({}): a shard or the merge failed",
                    merge.state, merge.reason
                )),
            }
        } else {
            cluster.fail(&format!("the controller does not know the merge job {merge_id}"));
        }
        if start.elapsed() > JOBS_TIMEOUT {
            cluster.fail(&format!("the jobs did not finish within {JOBS_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(500));
    };

    // Three array tasks of one array, each completed with exit code 0, then the merge.
    let merge = jobs.iter().find(|j| j.id == merge_id).unwrap();
    assert_eq!(merge.exit_code, "0:0");
    let mut tasks: Vec<&Job> = jobs.iter().filter(|j| j.array_task.is_some()).collect();
    tasks.sort_by_key(|j| j.array_task.clone());
    assert_eq!(tasks.iter().map(|j| j.array_task.as_deref().unwrap()).collect::<Vec<_>>(), ["1", "2", "3"], "{jobs:?}");
    assert!(
        tasks.iter().all(|j| j.array_job == tasks[0].array_job && j.state == "COMPLETED" && j.exit_code == "0:0"),
        "{jobs:?}"
    );
    drop(cluster);

    // Each array task built its own shard.
    for index in 1..=3 {
        let marker = scratch.join(format!("cameo-part{index}/.cameo/shard.json"));
        let shard: serde_json::Value = serde_json::from_slice(&fs::read(&marker).unwrap()).unwrap();
        assert_eq!((shard["index"].as_u64(), shard["count"].as_u64()), (Some(index), Some(3)), "{}", marker.display());
    }
    // The merge decoded nothing again and gave the one-machine build byte for byte.
    let run: serde_json::Value = serde_json::from_slice(&fs::read(out.join("build.json")).unwrap()).unwrap();
    assert_eq!(run["run"]["converted"], 0, "the merge job decoded audio again");
    let (expected, actual) = (tree_bytes(&whole), tree_bytes(&out));
    assert_eq!(expected.keys().collect::<Vec<_>>(), actual.keys().collect::<Vec<_>>());
    for (name, bytes) in &expected {
        if name != "build.json" {
            assert!(bytes == &actual[name], "{name} differs between the SLURM build and the one-machine build");
        }
    }
    assert_eq!(build_json_without_run(&whole), build_json_without_run(&out));
    let (code, stdout, stderr) = run_cameo(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "cameo verify failed on the SLURM build:\n{stdout}{stderr}");
}
