/// An ephemeral (debug) container as the simulated kubelet runs it: it
/// starts shortly after being added, produces its output, and exits 0.
struct EphemeralRuntime: Sendable {
    var name: String
    var image: String
    var target: String?
    var command: [String]
    var createdAt: Double
    var startedAt: Double?
    var finishedAt: Double?
    var containerID: String

    init(name: String, image: String, target: String?, command: [String], createdAt: Double, podUID: String) {
        self.name = name
        self.image = image
        self.target = target
        self.command = command
        self.createdAt = createdAt
        self.containerID = SimIDs.containerID(podUID: podUID, container: name, run: 0)
    }
}
