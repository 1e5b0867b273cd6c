//! Progress of the backup commands: an indicatif bar on a terminal, plain log lines (every
//! 10 %) otherwise.

use std::io::IsTerminal;

use super::Progress;

pub struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    what: String,
    total: u64,
    done: u64,
    next_line: u64,
}

impl Reporter {
    pub fn new() -> Reporter {
        Reporter {
            bar: None,
            what: String::new(),
            total: 0,
            done: 0,
            next_line: 0,
        }
    }
}

impl Default for Reporter {
    fn default() -> Self {
        Self::new()
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

impl Progress for Reporter {
    fn start(&mut self, what: &str, total: u64) {
        self.what = what.to_string();
        self.total = total;
        self.done = 0;
        self.next_line = total / 10;
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg:>8} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            self.bar = Some(bar);
        } else {
            eprintln!("{what}: {:.1} MB to process", mb(total));
        }
    }

    fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        match &self.bar {
            Some(bar) => bar.set_position(self.done.min(self.total)),
            None if self.total > 0 && self.done >= self.next_line && self.done < self.total => {
                eprintln!(
                    "{}: {:.0} % ({:.1} of {:.1} MB)",
                    self.what,
                    self.done as f64 * 100.0 / self.total as f64,
                    mb(self.done),
                    mb(self.total)
                );
                self.next_line = self.done + self.total / 10;
            }
            None => {}
        }
    }

    fn finish(&mut self) {
        match self.bar.take() {
            Some(bar) => bar.finish_and_clear(),
            None => eprintln!("{}: done ({:.1} MB)", self.what, mb(self.done)),
        }
    }
}
