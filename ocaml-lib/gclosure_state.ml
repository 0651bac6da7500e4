exception Closed

let closed = Atomic.make false
let check () = if Atomic.get closed then raise Closed
