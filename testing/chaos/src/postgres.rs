//! A private PostgreSQL cluster the suite may stop and restart: `initdb`
//! into a temporary directory, `pg_ctl` on a free port with its socket in
//! that directory. The machine's shared server is never touched (other
//! tests use it). PostgreSQL refuses to run as root, so as root every
//! command runs as the `postgres` user (`runuser`), in a directory it owns.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A running private cluster; stopped (immediately) and removed on drop.
pub struct PrivatePostgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
}

/// The newest `/usr/lib/postgresql/<v>/bin` holding `initdb` and `pg_ctl`
/// (or the directory in `CHAOS_PG_BIN`).
fn find_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CHAOS_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| {
            format!("no PostgreSQL server binaries: /usr/lib/postgresql: {e} (install Debian's `postgresql` or set CHAOS_PG_BIN to the directory holding initdb and pg_ctl)")
        })?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "no initdb and pg_ctl under /usr/lib/postgresql/*/bin (install Debian's `postgresql` or set CHAOS_PG_BIN)".to_string()
    })
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    Ok(l.local_addr().map_err(|e| format!("addr: {e}"))?.port())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl PrivatePostgres {
    /// Creates and starts a cluster (trust auth, user `postgres`, fsync off).
    pub fn start() -> Result<Self, String> {
        let bin = find_bin()?;
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("tributary-chaos-pg-")
            .tempdir()
            .map_err(|e| format!("tempdir: {e}"))?;
        if let Some(user) = run_as {
            let out = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .output()
                .map_err(|e| format!("chown: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "chown {user} {}: {}",
                    dir.path().display(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let pg = Self {
            dir,
            bin,
            port: free_port()?,
            run_as,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let options = pg.options();
        let log = pg.log();
        pg.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )?;
        Ok(pg)
    }

    /// The data directory.
    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs `tool` from the server's bin directory (as `postgres` when root).
    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(tool);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&path);
                c
            }
            None => Command::new(&path),
        };
        cmd.args(args).current_dir(self.dir.path());
        let out = cmd
            .output()
            .map_err(|e| format!("{} failed to run: {e}", path.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {args:?}: {}\n{}\n{}",
                path.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The admin URL (the `postgres` database over TCP).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl restart -m fast`: every client connection is cut, the server
    /// is down for as long as a restart takes.
    pub fn restart(&self) -> Result<(), String> {
        // `-l` again: without it the new server would write to pg_ctl's
        // stdout and keep the pipe we read open.
        let log = self.log();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-m",
                "fast",
                "-w",
                "restart",
            ],
        )
    }

    /// `pg_ctl stop -m fast`.
    pub fn stop(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    /// Starts the stopped server again on the same port.
    pub fn start_again(&self) -> Result<(), String> {
        let options = self.options();
        let log = self.log();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    /// The server's options: our port, the socket in our directory, TCP on
    /// localhost only, no fsync (nothing here must survive a power cut).
    fn options(&self) -> String {
        format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        )
    }

    /// The server's log file.
    fn log(&self) -> String {
        self.dir.path().join("server.log").display().to_string()
    }

    /// The cluster's directory (`data/`, `server.log`, the socket).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}
