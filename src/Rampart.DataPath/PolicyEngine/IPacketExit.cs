namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// Where a held packet leaves: the interception that handed it to the engine (the netfilter queue, whose verdict
/// for it is owed until then; an in-memory exit in tests). The engine calls it once per held packet, from the
/// thread that settled the binding: <see cref="Release"/> with the bytes to send (protected, or clear after a soft
/// association), or <see cref="Drop"/>.
/// </summary>
public interface IPacketExit
{
    /// <summary>Lets the packet <paramref name="packetId"/> continue as <paramref name="packet"/>.</summary>
    void Release(uint packetId, ReadOnlySpan<byte> packet);

    /// <summary>Discards the packet <paramref name="packetId"/>.</summary>
    void Drop(uint packetId);
}
