using Rampart.Core.Filtering;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.PolicyEngine;
using static Rampart.DataPath.Tests.PolicyEngine.EngineHosts;

namespace Rampart.DataPath.Tests.PolicyEngine;

/// <summary>The packet path once SAs are up: no allocation, and several workers at once.</summary>
public class EngineSteadyStateTests
{
    [Fact]
    public void OutboundAndInbound_AfterWarmUp_AllocateNothing()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));
        hosts.InstallBindingPair(BindingOf(AddressA, AddressB), BindingOf(AddressB, AddressA));
        var ping = Ping(AddressA, AddressB);
        var buffer = new PacketBuffer();
        var failures = 0;

        void RoundTrip()
        {
            buffer.Load(ping);
            failures += hosts.A.ProcessOutbound(buffer).Action == PacketAction.AcceptModified ? 0 : 1;
            failures += hosts.B.ProcessInbound(buffer).Action == PacketAction.AcceptModified ? 0 : 1;
        }

        for (var i = 0; i < 100; i++)
        {
            RoundTrip();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RoundTrip();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, failures);
        Assert.Equal(1100, hosts.B.Statistics.PacketsUnprotected);
    }

    [Fact]
    public void ClassifyOnly_ForPermittedAndClearTraffic_AllocatesNothing()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Permit));
        var ping = Ping(AddressA, AddressB);
        var other = Ping(AddressA, System.Net.IPAddress.Parse("198.51.100.9"));
        var buffer = new PacketBuffer();
        for (var i = 0; i < 100; i++)
        {
            buffer.Load(ping);
            hosts.A.ProcessOutbound(buffer);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            buffer.Load(i % 2 == 0 ? ping : other);
            hosts.A.ProcessOutbound(buffer);
            hosts.A.ProcessInbound(buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task TwoWorkers_ProtectAndUnprotectConcurrently_WhileThePolicyIsReapplied()
    {
        using var hosts = new EngineHosts();
        var policyA = Policy(AddressA, AddressB, FilterVerdict.Negotiate);
        hosts.A.Apply(policyA);
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));

        // A wide replay window: two workers share one SA, so sequence numbers arrive a little out of order.
        hosts.InstallBindingPair(BindingOf(AddressA, AddressB), BindingOf(AddressB, AddressA), replayWindow: 1024);
        const int PerWorker = 2000;
        using var stop = new CancellationTokenSource();

        int Worker(int id)
        {
            var buffer = new PacketBuffer();
            var delivered = 0;
            for (var i = 0; i < PerWorker; i++)
            {
                var packet = Ping(AddressA, AddressB, sequence: (ushort)((id * PerWorker) + i));
                buffer.Load(packet);
                if (hosts.A.ProcessOutbound(buffer).Action == PacketAction.AcceptModified
                    && hosts.B.ProcessInbound(buffer).Action == PacketAction.AcceptModified
                    && buffer.Span.SequenceEqual(packet))
                {
                    delivered++;
                }
            }

            return delivered;
        }

        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                hosts.A.Apply(policyA);
            }
        });
        var workers = new[] { Task.Run(() => Worker(0)), Task.Run(() => Worker(1)) };
        var results = await Task.WhenAll(workers);
        await stop.CancelAsync();
        await churn;

        Assert.Equal([PerWorker, PerWorker], results);
        Assert.Equal(2 * PerWorker, hosts.B.Statistics.PacketsUnprotected);
        Assert.Equal(0, hosts.A.Statistics.AcquiresRaised);
    }

    [Fact]
    public async Task TwoWorkers_BurstWithoutSa_RaiseExactlyOneAcquire()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { MaxHeldPacketsPerBinding = 4 });
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        using var start = new Barrier(2);

        int Worker()
        {
            var held = 0;
            start.SignalAndWait();
            for (var i = 0; i < 500; i++)
            {
                held += hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action == PacketAction.Held ? 1 : 0;
            }

            return held;
        }

        var held = await Task.WhenAll(Task.Run(Worker), Task.Run(Worker));

        Assert.Equal(1, hosts.A.Statistics.AcquiresRaised);
        Assert.Equal(4, held.Sum());
        Assert.Equal(996, hosts.A.Statistics.Dropped(DropReason.NegotiationPending));
    }
}
