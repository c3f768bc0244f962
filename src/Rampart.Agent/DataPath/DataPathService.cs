using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Policy;
using Rampart.DataPath.Linux;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.DataPath;

/// <summary>
/// Runs the data path on this host: two netfilter queues (outbound after routing, inbound before conntrack)
/// feeding the <see cref="DataPathEngine"/>, and the netfilter chains that send packets to them while a policy is
/// assigned or a manual SA exists. A packet the engine holds while IKE negotiates keeps its netfilter verdict owed
/// (the queue's socket is its <see cref="IPacketExit"/>): the agent's loop issues it, protected or clear, the moment
/// it settles the binding. SA lifetimes are read by the agent's loop on its own tick.
/// The chains stay installed when the agent stops or dies, so secured traffic fails closed; at start they are
/// installed (the engine drops what is not exempt until the policy is applied) and they are removed only once the
/// agent knows that no policy is assigned and no manual SA is left.
/// </summary>
public sealed partial class DataPathService(
    DataPathEngine engine,
    PolicyState policyState,
    HostExemptions exemptions,
    DataPathOptions options,
    TimeProvider timeProvider,
    ILogger<DataPathService> logger) : BackgroundService
{
    private readonly Lock _rulesGate = new();
    private NetfilterRules? _rules;

    // Null until the first update: chains a crashed agent left behind must be removed, missing ones installed.
    private bool? _rulesInstalled;
    private int _manualSas;

    // What the last published policy says (0 none yet, 1 unfiltered, 2 filtered), known before the policy's state is (see PolicyState.Publish).
    private int _policyUnfiltered;

    /// <summary>The manual-keying commands call this so the chains exist whenever a manual SA does.</summary>
    public void ManualSaCountChanged(int count)
    {
        Volatile.Write(ref _manualSas, count);
        UpdateRules();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ruleSet = new NetfilterRuleSet
        {
            OutboundQueue = options.OutboundQueue,
            InboundQueue = options.InboundQueue,
            LinkMtu = options.LinkMtu,
            ExemptServers = exemptions.Servers,
        };
        _rules = new NetfilterRules(ruleSet);
        using var outboundSocket = new NfQueueSocket(options.OutboundQueue);
        using var inboundSocket = new NfQueueSocket(options.InboundQueue);
        using var outbound = new PacketQueue(outboundSocket, new EnginePacketHandler(engine, inbound: false, ruleSet.DecapsulatedMark, outboundSocket));
        using var inbound = new PacketQueue(inboundSocket, new EnginePacketHandler(engine, inbound: true, ruleSet.DecapsulatedMark, inboundSocket));
        outbound.Start();
        inbound.Start();
        LogQueues(options.OutboundQueue, options.InboundQueue);

        policyState.Changed += OnPolicyChanged;
        UpdateRules();
        try
        {
            // Watches the queues: a queue that stopped means the policy can no longer be enforced.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if ((outbound.Failure ?? inbound.Failure) is { } failure)
                {
                    LogQueueFailed(failure);
                    throw new InvalidOperationException("a netfilter queue stopped; the agent cannot enforce policy", failure);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            policyState.Changed -= OnPolicyChanged;
        }
    }

    private void OnPolicyChanged(AppliedPolicy applied)
    {
        Volatile.Write(ref _policyUnfiltered, applied.Compiled.IsAssigned ? 2 : 1);
        UpdateRules();
    }

    /// <summary>The chains are wanted unless the agent knows that traffic may flow unfiltered (no policy, no manual SA).</summary>
    private void UpdateRules()
    {
        lock (_rulesGate)
        {
            if (_rules is null)
            {
                return;
            }

            var published = Volatile.Read(ref _policyUnfiltered);
            var unfiltered = published == 0 ? policyState.Enforcement.TrafficFlowsUnfiltered : published == 1;
            var wanted = !unfiltered || Volatile.Read(ref _manualSas) > 0;
            if (wanted && _rulesInstalled != true)
            {
                _rules.Install();
                _rulesInstalled = true;
                LogRules("installed");
            }
            else if (!wanted && _rulesInstalled != false)
            {
                _rules.Remove();
                _rulesInstalled = false;
                LogRules("removed");
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Data path queues {Outbound} (outbound) and {Inbound} (inbound) open")]
    private partial void LogQueues(ushort outbound, ushort inbound);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Netfilter chains {Action}")]
    private partial void LogRules(string action);

    [LoggerMessage(EventId = 402, Level = LogLevel.Critical, Message = "A netfilter queue failed")]
    private partial void LogQueueFailed(Exception exception);
}

/// <summary>Data path settings; the queue numbers are Rampart's own so other NFQUEUE users are left alone.</summary>
public sealed record DataPathOptions(ushort OutboundQueue = 4200, ushort InboundQueue = 4201, int LinkMtu = 1500);
