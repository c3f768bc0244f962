using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Auditing;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.DataPath;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Control;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;
using Rampart.TestLab;

namespace Rampart.Agent.Tests.Doubles;

/// <summary>
/// One agent's core in this process: the real data path engine and service, binding state, event loop
/// (<see cref="IkeService"/>) and manual keying, with their I/O edges replaced by doubles: IKE's sockets by an
/// <see cref="InMemoryIkeNetwork"/>, the netfilter queues by <see cref="InMemoryPacketQueue"/>s (or, for packets handed
/// to the engine directly, an <see cref="InMemoryPacketExit"/>), the chains by <see cref="RecordingChains"/>, the
/// clock by a shared <see cref="FakeTimeProvider"/>.
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
            Transport, Inbox, DataPath, Policy, _audit, Dispatcher, Lifecycle, time, options ?? new IkeControllerOptions(), NullLoggerFactory.Instance);
        var queues = new DataPathOptions();
        DataPathService = new DataPathService(
            DataPath,
            Policy,
            new HostExemptions(),
            queues,
            time,
            NullLogger<DataPathService>.Instance,
            queue => queue == queues.OutboundQueue ? OutboundQueue : InboundQueue,
            _ => Chains);
        ManualKeying = new ManualKeying(Service, DataPathService, Policy, Dispatcher, new AgentOptions { Home = _home.Path });
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

    public DataPathService DataPathService { get; }

    public ManualKeying ManualKeying { get; }

    public ControlDispatcher Dispatcher { get; } = new();

    /// <summary>The netfilter queue outbound packets wait in (after routing).</summary>
    public InMemoryPacketQueue OutboundQueue { get; } = new(new DataPathOptions().OutboundQueue);

    /// <summary>The netfilter queue inbound packets wait in (before conntrack).</summary>
    public InMemoryPacketQueue InboundQueue { get; } = new(new DataPathOptions().InboundQueue);

    public RecordingChains Chains { get; } = new();

    /// <summary>Where <c>manual-sas.json</c> lives.</summary>
    public string Home => _home.Path;

    /// <summary>Where this host's queued packets owe their verdicts.</summary>
    public InMemoryPacketExit Exit { get; } = new();

    /// <summary>In the product's order: manual keying, the data path service, the loop.</summary>
    public async Task StartAsync()
    {
        await ManualKeying.StartAsync(CancellationToken.None);
        await DataPathService.StartAsync(CancellationToken.None);
        await Service.StartAsync(CancellationToken.None);

        // The service opens its queues on the thread pool; until it knows the policy, it installs the chains.
        Wait.Until(() => Chains.Calls.Count > 0, TimeSpan.FromSeconds(30), "the data path service installs the chains at start");
    }

    /// <summary>A control command as the socket server hands it over (<c>rampart sa add ...</c> is <c>sa.add</c>).</summary>
    public async Task<ControlResponse> CommandAsync(string command, object? arguments = null) =>
        await Dispatcher.DispatchAsync(
            new ControlRequest(command, arguments is null ? null : JsonSerializer.SerializeToElement(arguments, arguments.GetType(), ControlJson.Options)),
            CancellationToken.None);

    /// <summary>As the policy agent does: one event on the loop, awaited until the policy is in force.</summary>
    public Task AssignAsync(AppliedPolicy policy) => Inbox.ApplyAsync(policy, CancellationToken.None);

    /// <summary>One packet this host sends, through the data path as the outbound queue hands it over.</summary>
    public PacketVerdict Send(byte[] packet) => DataPath.ProcessOutbound(Exit.Queue(packet));

    public Task WhenIdleAsync() => Inbox.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await DataPathService.StopAsync(CancellationToken.None);
        DataPathService.Dispose();
        await Service.StopAsync(CancellationToken.None);
        Service.Dispose();
        Inbox.Dispose();
        _audit.Dispose();
        Database.Dispose();
        _home.Dispose();
    }
}
