import DeskKit

/// The request of the tented document, as it stands (the example desk's
/// `inbox-example/inbox/acme-onboarding.json`).
enum TentedExample {
    static var request: String {
        let path = Path.join(Path.parent(Path.parent(Path.parent(#filePath))), "inbox-example/inbox/acme-onboarding.json")
        return String(decoding: (try? FileSystem.readFile(path)).flatMap { $0 } ?? [], as: UTF8.self)
    }
}
