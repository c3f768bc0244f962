namespace Rampart.DataPath.Linux;

/// <summary>
/// What the netfilter queue answers the kernel for one queued packet (the engine's <see cref="PolicyEngine.PacketVerdict"/>,
/// carried out). The default is Drop, so a handler that forgets fails closed.
/// </summary>
public enum QueueVerdict : byte
{
    Drop = 0,

    /// <summary>Let the original bytes continue.</summary>
    Accept = 1,

    /// <summary>Let the packet continue with the bytes the handler wrote (same, larger or smaller length).</summary>
    AcceptModified = 2,
}
