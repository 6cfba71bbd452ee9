import DeskKit

/// `copydesk init`: creates a desk's folders and a first template to start from.
public enum DeskInitializer {
    /// Creates the folders of a desk at `root` (and `root` itself), plus
    /// `library/default/templates/welcome.json` when the library has no template yet.
    /// Existing files are never touched. Returns the paths created.
    public static func create(root: String) throws(DeskError) -> [String] {
        let layout = DeskLayout(root: root)
        var created: [String] = []
        do throws(Errno) {
            for folder in [layout.root] + layout.requiredFolders + [layout.templates(org: DeskLayout.defaultOrg)]
            where !FileSystem.isDirectory(folder) {
                try FileSystem.createDirectory(folder)
                created.append(folder)
            }
            let example = Path.join(layout.templates(org: DeskLayout.defaultOrg), "welcome.json")
            if !FileSystem.exists(example) {
                let template: JSONValue = [
                    "id": "welcome", "approved": true,
                    "variants": [
                        [
                            "id": "a",
                            "vars": [
                                "subject": "Welcome to {{ company | default: \"our team\" }}, {{ first_name | capitalize }}!",
                                "body": "Hi {{ first_name | capitalize }}, thanks for joining.",
                            ],
                        ]
                    ],
                ]
                try AtomicFile.write(template.serialized(pretty: true), to: example)
                created.append(example)
            }
        } catch {
            throw DeskError.io("cannot create the desk at \(root)", error)
        }
        return created
    }
}
