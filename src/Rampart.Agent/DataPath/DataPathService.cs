using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Policy;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Linux;
using Rampart.DataPath.Pipeline;

namespace Rampart.Agent.DataPath;

/// <summary>
/// Runs the data path on this host: two netfilter queues (outbound after routing, inbound before conntrack)
/// feeding the <see cref="DataPathEngine"/>, the netfilter chains that send packets to them while a policy is
/// assigned or a manual SA exists, and a once-a-second tick for SA lifetimes; held packets leave as soon as IKE
/// installed their SA (<see cref="SendReleased"/>) and at the latest with the tick.
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
    private readonly Channel<SaLifetimeEvent> _lifetimeEvents = Channel.CreateBounded<SaLifetimeEvent>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Channel<bool> _releaseSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _rulesGate = new();
    private NetfilterRules? _rules;

    // Null until the first update: chains a crashed agent left behind must be removed, missing ones installed.
    private bool? _rulesInstalled;
    private int _manualSas;

    /// <summary>Soft, hard and idle expiries for IKE to act on (rekey, delete and tell the peer).</summary>
    public ChannelReader<SaLifetimeEvent> LifetimeEvents => _lifetimeEvents.Reader;

    /// <summary>
    /// IKE calls this after installing SAs: the packets held during the negotiation are sent now rather than at the
    /// next tick, which would add up to a second to every negotiation's first packet.
    /// </summary>
    public void SendReleased() => _releaseSignal.Writer.TryWrite(true);

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
        using var outbound = new PacketQueue(outboundSocket, new EnginePacketHandler(engine, inbound: false, ruleSet.DecapsulatedMark));
        using var inbound = new PacketQueue(inboundSocket, new EnginePacketHandler(engine, inbound: true, ruleSet.DecapsulatedMark));
        outbound.Start();
        inbound.Start();
        LogQueues(options.OutboundQueue, options.InboundQueue);

        policyState.Changed += OnPolicyChanged;
        UpdateRules();
        using var rawIPv4 = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        using var rawIPv6 = Socket.OSSupportsIPv6 ? new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Raw) : null;
        using var releaseStopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var releasing = SendReleasedLoopAsync(rawIPv4, rawIPv6, releaseStopping.Token);
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var lifetimeEvent in engine.Poll())
                {
                    _lifetimeEvents.Writer.TryWrite(lifetimeEvent);
                }

                engine.DrainReleased(packet => SendRaw(packet, rawIPv4, rawIPv6));
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
            await releaseStopping.CancelAsync().ConfigureAwait(false);
            await releasing.ConfigureAwait(false);
        }
    }

    private async Task SendReleasedLoopAsync(Socket rawIPv4, Socket? rawIPv6, CancellationToken stoppingToken)
    {
        try
        {
            while (await _releaseSignal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _releaseSignal.Reader.TryRead(out _);
                engine.DrainReleased(packet => SendRaw(packet, rawIPv4, rawIPv6));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnPolicyChanged(AppliedPolicy applied) => UpdateRules();

    /// <summary>The chains are wanted unless the agent knows that traffic may flow unfiltered (no policy, no manual SA).</summary>
    private void UpdateRules()
    {
        lock (_rulesGate)
        {
            if (_rules is null)
            {
                return;
            }

            var wanted = !policyState.Enforcement.TrafficFlowsUnfiltered || Volatile.Read(ref _manualSas) > 0;
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

    private void SendRaw(PacketBuffer packet, Socket rawIPv4, Socket? rawIPv6)
    {
        var data = packet.Span;
        if (data.Length < 20)
        {
            return;
        }

        try
        {
            if (data[0] >> 4 == 4)
            {
                rawIPv4.SendTo(data, new IPEndPoint(new IPAddress(data.Slice(16, 4)), 0));
            }
            else if (rawIPv6 is not null && data.Length >= 40)
            {
                rawIPv6.SendTo(data, new IPEndPoint(new IPAddress(data.Slice(24, 16)), 0));
            }
        }
        catch (SocketException e)
        {
            LogRawSendFailed(e.SocketErrorCode);
        }
    }

    public override void Dispose()
    {
        _lifetimeEvents.Writer.TryComplete();
        base.Dispose();
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Data path queues {Outbound} (outbound) and {Inbound} (inbound) open")]
    private partial void LogQueues(ushort outbound, ushort inbound);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Netfilter chains {Action}")]
    private partial void LogRules(string action);

    [LoggerMessage(EventId = 402, Level = LogLevel.Critical, Message = "A netfilter queue failed")]
    private partial void LogQueueFailed(Exception exception);

    [LoggerMessage(EventId = 403, Level = LogLevel.Debug, Message = "Sending a held packet failed: {Error}")]
    private partial void LogRawSendFailed(SocketError error);
}

/// <summary>Data path settings; the queue numbers are Rampart's own so other NFQUEUE users are left alone.</summary>
public sealed record DataPathOptions(ushort OutboundQueue = 4200, ushort InboundQueue = 4201, int LinkMtu = 1500);
