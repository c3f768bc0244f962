namespace Rampart.DataPath.Linux;

/// <summary>
/// The seam between interception and transforms: called with each received batch; sets a verdict on
/// every packet (Accept, AcceptModified with new bytes in place, or Drop, the default).
/// Runs on the queue's thread; must not keep references to the batch after returning.
/// </summary>
public interface IPacketHandler
{
    void Handle(PacketBatch batch);
}
