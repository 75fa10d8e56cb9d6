//! Ctrl-C: the first one asks the running training loop to stop cleanly at the end of its current
//! iteration (the loop's callback sees [`requested`] and returns `ControlFlow::Break`; the command
//! then writes what it has and says how to resume); a second one ends the process at once (every
//! file a run writes is replaced atomically, so even then none is half-written).

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let result = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                eprintln!("\nsecond Ctrl-C: stopping now");
                std::process::exit(130);
            }
            eprintln!("\nCtrl-C: stopping after this iteration and saving the run (Ctrl-C again to quit at once)");
        });
        if let Err(e) = result {
            eprintln!("note: Ctrl-C will end the run without saving it ({e})");
        }
    });
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
