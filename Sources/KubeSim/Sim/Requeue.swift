/// What a reconcile asks for next: nothing until the object (or something it
/// watches) changes, or another look at a given time.
enum Requeue: Sendable, Equatable {
    case awaitChange
    case at(Double)

    /// The earlier of two requests.
    func merged(_ other: Requeue) -> Requeue {
        switch (self, other) {
        case (.awaitChange, _): return other
        case (_, .awaitChange): return self
        case (.at(let a), .at(let b)): return .at(min(a, b))
        }
    }
}
