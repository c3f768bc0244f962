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
public sealed partial class DataPathService : BackgroundService
{
    private readonly DataPathEngine _engine;
    private readonly PolicyState _policyState;
    private readonly HostExemptions _exemptions;
    private readonly DataPathOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DataPathService> _logger;
    private readonly Func<ushort, IPacketQueueSocket> _openQueue;
    private readonly Func<NetfilterRuleSet, INetfilterChains> _chainsFor;

    public DataPathService(
        DataPathEngine engine,
        PolicyState policyState,
        HostExemptions exemptions,
        DataPathOptions options,
        TimeProvider timeProvider,
        ILogger<DataPathService> logger)
        : this(engine, policyState, exemptions, options, timeProvider, logger, queue => new NfQueueSocket(queue), rules => new NetfilterRules(rules))
    {
    }

    /// <summary>With other I/O edges: in tests, in-memory queues and chains that only record what they were asked.</summary>
    internal DataPathService(
        DataPathEngine engine,
        PolicyState policyState,
        HostExemptions exemptions,
        DataPathOptions options,
        TimeProvider timeProvider,
        ILogger<DataPathService> logger,
        Func<ushort, IPacketQueueSocket> openQueue,
        Func<NetfilterRuleSet, INetfilterChains> chainsFor)
    {
        _engine = engine;
        _policyState = policyState;
        _exemptions = exemptions;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _openQueue = openQueue;
        _chainsFor = chainsFor;
    }

    private readonly Lock _rulesGate = new();
    private INetfilterChains? _rules;

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
        // First: ExecuteAsync runs on the thread pool, and a policy published while the queues open must not be missed.
        _policyState.Changed += OnPolicyChanged;
        try
        {
            var ruleSet = new NetfilterRuleSet
            {
                OutboundQueue = _options.OutboundQueue,
                InboundQueue = _options.InboundQueue,
                LinkMtu = _options.LinkMtu,
                ExemptServers = _exemptions.Servers,
            };
            _rules = _chainsFor(ruleSet);
            var outboundSocket = _openQueue(_options.OutboundQueue);
            using var outbound = new PacketQueue(outboundSocket, new EnginePacketHandler(_engine, inbound: false, ruleSet.DecapsulatedMark, outboundSocket));
            var inboundSocket = _openQueue(_options.InboundQueue);
            using var inbound = new PacketQueue(inboundSocket, new EnginePacketHandler(_engine, inbound: true, ruleSet.DecapsulatedMark, inboundSocket));
            outbound.Start();
            inbound.Start();
            LogQueues(_options.OutboundQueue, _options.InboundQueue);
            UpdateRules();

            // Watches the queues: a queue that stopped means the policy can no longer be enforced.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _timeProvider);
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
            _policyState.Changed -= OnPolicyChanged;
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
            var unfiltered = published == 0 ? _policyState.Enforcement.TrafficFlowsUnfiltered : published == 1;
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
