using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.Integration.Tests.Linux;

/// <summary>The queue loop fails closed: a handler that throws or sets no verdict drops the packets.</summary>
[Collection(NetnsCollection.Name)]
public sealed class PacketQueueTests
{
    [Fact]
    public void ThrowingHandler_DropsTheBatchAndCountsIt()
    {
        using var pair = new NetworkNamespacePair();
        var queue = StartOutboundQueue(pair, new ThrowingHandler());

        var ping = NetworkNamespacePair.Exec(pair.A, "ping", "-c", "2", "-i", "0.2", "-W", "1", NetworkNamespacePair.AddressB);

        Assert.NotEqual(0, ping.ExitCode);
        Assert.True(queue.HandlerFailures >= 2, $"handler failures: {queue.HandlerFailures}");
        Assert.True(NetfilterSocket(queue).Received >= 2);
        Assert.Null(queue.Failure);
    }

    [Fact]
    public void HandlerSettingNoVerdict_DropsEveryPacket()
    {
        using var pair = new NetworkNamespacePair();
        var handler = new CountingHandler(accept: false);
        var queue = StartOutboundQueue(pair, handler);

        var ping = NetworkNamespacePair.Exec(pair.A, "ping", "-c", "2", "-i", "0.2", "-W", "1", NetworkNamespacePair.AddressB);

        Assert.NotEqual(0, ping.ExitCode);
        Assert.True(handler.Packets >= 2);
    }

    [Fact]
    public void AcceptingHandler_LetsPingThroughUnmodified()
    {
        using var pair = new NetworkNamespacePair();
        var handler = new CountingHandler(accept: true);
        var queue = StartOutboundQueue(pair, handler);

        var ping = NetworkNamespacePair.Exec(pair.A, "ping", "-c", "2", "-i", "0.2", "-W", "1", NetworkNamespacePair.AddressB);

        Assert.Equal(0, ping.ExitCode);
        Assert.True(handler.Packets >= 2);
        Assert.Equal(0, NetfilterSocket(queue).KernelErrors);
    }

    [Fact]
    public async Task DeferredVerdict_IssuedLaterFromAnotherThread_LetsThePacketThrough_AndADropStopsIt()
    {
        using var pair = new NetworkNamespacePair();
        var handler = new DeferringHandler();
        var queue = StartOutboundQueue(pair, handler);

        // A held packet's verdict comes from the thread that settles its binding, after its batch went back.
        var released = Task.Run(() => NetworkNamespacePair.Exec(pair.A, "ping", "-c", "1", "-W", "5", NetworkNamespacePair.AddressB));
        var (id, packet) = handler.Next(TimeSpan.FromSeconds(5));
        queue.Socket.Release(id, packet);
        Assert.Equal(0, (await released).ExitCode);

        var dropped = Task.Run(() => NetworkNamespacePair.Exec(pair.A, "ping", "-c", "1", "-W", "2", NetworkNamespacePair.AddressB));
        queue.Socket.Drop(handler.Next(TimeSpan.FromSeconds(5)).Id);
        Assert.NotEqual(0, (await dropped).ExitCode);
        Assert.Equal(0, NetfilterSocket(queue).KernelErrors);
        Assert.Equal(0, NetfilterSocket(queue).VerdictSendFailures);
    }

    /// <summary>The queue loop allocates nothing per packet: once warm, a 20 MB TCP transfer through it allocates no byte on its thread.</summary>
    [Fact]
    public async Task AcceptingHandler_TcpTransferThroughTheQueue_AllocatesNothingPerPacket()
    {
        const long TransferBytes = 20L * 1024 * 1024;
        using var pair = new NetworkNamespacePair();
        var handler = new CountingHandler(accept: true);
        var queue = StartOutboundQueue(pair, handler, "tcp");
        long warmAllocated = -1;

        var result = await TcpTransfer.RunAsync(pair.A, pair.B, NetworkNamespacePair.AddressB, TransferBytes, TimeSpan.FromSeconds(90), received =>
        {
            if (received >= 2 * 1024 * 1024 && warmAllocated < 0)
            {
                warmAllocated = queue.AllocatedBytes;
            }
        });
        long allocatedDuringTransfer = queue.AllocatedBytes - warmAllocated;

        Assert.True(result.Completed, "the transfer stalled");
        Assert.Equal(result.SentHash, result.ReceivedHash);
        Assert.Null(queue.Failure);
        Assert.True(handler.Packets > 1000, $"only {handler.Packets} packets went through the queue");
        Assert.True(warmAllocated >= 0, "the transfer never got past its first 2 MB");
        Assert.True(queue.Batches > 0, "the queue thread never reported a batch (nor its allocations)");
        Assert.Equal(0, allocatedDuringTransfer);
    }

    /// <summary>The kernel-facing counters of the real socket under <paramref name="queue"/>.</summary>
    private static NfQueueSocket NetfilterSocket(PacketQueue queue) => (NfQueueSocket)queue.Socket;

    /// <summary>Queues A's outbound <paramref name="protocol"/> traffic to B (queue 0) with nothing inbound, and starts a loop on it.</summary>
    private static PacketQueue StartOutboundQueue(NetworkNamespacePair pair, IPacketHandler handler, string protocol = "icmp")
    {
        Prerequisites.Require("ping", "iptables", "iptables-restore", "ip6tables-restore");
        NetworkNamespacePair.Exec(pair.A, "iptables", "-A", "OUTPUT", "-d", NetworkNamespacePair.AddressB, "-p", protocol, "-j", "NFQUEUE", "--queue-num", "0")
            .EnsureSuccess("queue rule");
        var queue = pair.Own(NetworkNamespace.Run(pair.A, () => new PacketQueue(new NfQueueSocket(0), handler)));
        queue.Start();
        return queue;
    }

    /// <summary>Defers every packet's verdict, keeping its id and bytes for the test to settle.</summary>
    private sealed class DeferringHandler : IPacketHandler
    {
        private readonly System.Collections.Concurrent.BlockingCollection<(uint Id, byte[] Packet)> _deferred = [];

        public void Handle(PacketBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Defer();
                _deferred.Add((batch[i].Metadata.PacketId, batch[i].Data.ToArray()));
            }
        }

        public (uint Id, byte[] Packet) Next(TimeSpan wait) =>
            _deferred.TryTake(out var next, wait) ? next : throw new TimeoutException("no packet was queued");
    }

    private sealed class ThrowingHandler : IPacketHandler
    {
        public void Handle(PacketBatch batch)
        {
            batch[0].Accept();
            throw new InvalidOperationException("transform bug");
        }
    }

    private sealed class CountingHandler(bool accept) : IPacketHandler
    {
        public long Packets { get; private set; }

        public void Handle(PacketBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                Packets++;
                if (accept)
                {
                    batch[i].Accept();
                }
            }
        }
    }
}
