//! An empty Tauri app: one page, one command that opens an in-memory SQLite database.
//! `make bench-app` measures it beside Sổ Vàng, as the floor nothing can go below.

#[tauri::command]
fn open_db() -> Result<i64, String> {
    let c = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
    c.query_row("SELECT 1", [], |r| r.get(0))
        .map_err(|e| e.to_string())
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![open_db])
        .run(tauri::generate_context!())
        .expect("the window could not be opened");
}
