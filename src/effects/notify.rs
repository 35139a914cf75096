//! Desktop notifications for waits that end, where the person allowed them.

use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Asks for permission once, on a user action (starting a wait).
pub fn request_permission() {
    if Notification::permission() == NotificationPermission::Default {
        let _ = Notification::request_permission();
    }
}

pub fn show(title: &str, body: &str) {
    if Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    let _ = Notification::new_with_options(title, &options);
}
