using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Auditing;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;

namespace Rampart.Agent.Tests.Doubles;

/// <summary>
/// One agent's core in this process: the real data path engine, binding state and event loop (<see cref="IkeService"/>)
/// with its I/O edges replaced by doubles: IKE's sockets by an <see cref="InMemoryIkeNetwork"/>, the netfilter queue's
/// verdicts by an <see cref="InMemoryPacketExit"/>, the clock by a shared <see cref="FakeTimeProvider"/>.
/// </summary>
internal sealed class LoopAgent : IAsyncDisposable
{
    /// <summary>Idle after an hour, so tests that let time pass without traffic do not idle the SAs out.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    private readonly TempHome _home = new();
    private readonly AuditLog _audit;

    public LoopAgent(IPAddress address, InMemoryIkeNetwork network, FakeTimeProvider time, IkeControllerOptions? options = null)
    {
        Address = address;
        Time = time;
        Transport = network.Attach(address);
        Database = new SecurityAssociationDatabase(time, IdleTimeout);
        DataPath = new DataPathEngine(Database, acquires: Inbox);
        _audit = new AuditLog(_home.Path, time);
        Service = new IkeService(
            Transport, Inbox, DataPath, Policy, _audit, new ControlDispatcher(), Lifecycle, time, options ?? new IkeControllerOptions(), NullLoggerFactory.Instance);
    }

    public IPAddress Address { get; }

    public FakeTimeProvider Time { get; }

    public InMemoryIkeNetwork.Transport Transport { get; }

    public AgentInbox Inbox { get; } = new();

    public PolicyState Policy { get; } = new();

    public AgentLifecycle Lifecycle { get; } = new();

    public SecurityAssociationDatabase Database { get; }

    public DataPathEngine DataPath { get; }

    public IkeService Service { get; }

    /// <summary>Where this host's queued packets owe their verdicts.</summary>
    public InMemoryPacketExit Exit { get; } = new();

    public Task StartAsync() => Service.StartAsync(CancellationToken.None);

    /// <summary>As the policy agent does: one event on the loop, awaited until the policy is in force.</summary>
    public Task AssignAsync(AppliedPolicy policy) => Inbox.ApplyAsync(policy, CancellationToken.None);

    /// <summary>One packet this host sends, through the data path as the outbound queue hands it over.</summary>
    public PacketVerdict Send(byte[] packet) => DataPath.ProcessOutbound(Exit.Queue(packet));

    public Task WhenIdleAsync() => Inbox.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        Service.Dispose();
        Inbox.Dispose();
        _audit.Dispose();
        Database.Dispose();
        _home.Dispose();
    }
}
