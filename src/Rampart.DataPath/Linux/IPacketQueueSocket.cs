using Rampart.DataPath.PolicyEngine;

namespace Rampart.DataPath.Linux;

/// <summary>
/// The receive side of a packet queue, as <see cref="PacketQueue"/> uses it: batches of queued packets in, their
/// verdicts out, and (as an <see cref="IPacketExit"/>) the later verdicts of packets the engine held.
/// <see cref="NfQueueSocket"/> in the product; an in-memory queue in tests, as wireguard-go's tun/tuntest.
/// </summary>
public interface IPacketQueueSocket : IPacketExit, IDisposable
{
    ushort QueueNumber { get; }

    /// <summary>Waits briefly (at most about 200 ms) for packets and fills <paramref name="batch"/>; returns how many (0: none yet).</summary>
    int Receive(PacketBatch batch);

    /// <summary>Sends the verdicts of the packets of <paramref name="batch"/> that were not deferred.</summary>
    void SendVerdicts(PacketBatch batch);
}
