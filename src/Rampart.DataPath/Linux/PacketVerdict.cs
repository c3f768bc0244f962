namespace Rampart.DataPath.Linux;

/// <summary>What happens to a queued packet. The default is Drop, so a handler that forgets fails closed.</summary>
public enum PacketVerdict : byte
{
    Drop = 0,

    /// <summary>Let the original bytes continue.</summary>
    Accept = 1,

    /// <summary>Let the packet continue with the bytes the handler wrote (same, larger or smaller length).</summary>
    AcceptModified = 2,
}
