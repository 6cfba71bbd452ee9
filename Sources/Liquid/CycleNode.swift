/// `{% cycle 'a', 'b' %}` and `{% cycle group: 'a', 'b' %}`.
final class CycleNode: Sendable {
    /// The group's name, if given; otherwise the values identify the group.
    let group: Expression?
    /// The key of an unnamed group (the values as written).
    let key: String
    /// The values to cycle through.
    let values: [Expression]
    /// Where the tag is in the source.
    let location: SourceLocation

    init(group: Expression?, key: String, values: [Expression], location: SourceLocation) {
        self.group = group
        self.key = key
        self.values = values
        self.location = location
    }
}
