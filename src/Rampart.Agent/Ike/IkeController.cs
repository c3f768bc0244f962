using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Policy;
using Rampart.DataPath.Database;
using Rampart.DataPath.Pipeline;
using Rampart.Ike;
using Rampart.Ike.V1;
using IkeSelector = Rampart.Ike.TrafficSelector;

namespace Rampart.Agent.Ike;

/// <summary>Timing of the walkthrough's behaviour that is Rampart's choice.</summary>
public sealed record IkeControllerOptions
{
    /// <summary>
    /// Request Security: how long the peer may stay silent to IKE before traffic falls back to clear (a soft SA).
    /// Windows 2000 waited about 3 seconds, long enough for a LAN peer's first reply and short enough for a user.
    /// </summary>
    public TimeSpan FallbackWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// RFC 3706 "worry metric": after we sent to a peer and heard nothing from it (no packet on its SAs, no IKE
    /// message) for this long, dead peer detection probes it. 30 seconds, as strongSwan's default DPD delay: a dead
    /// peer is found within about 45 seconds (with the engine's 15 seconds of R-U-THERE retransmissions).
    /// </summary>
    public TimeSpan DeadPeerIdle { get; init; } = TimeSpan.FromSeconds(30);

    public IkeV1EngineOptions? Engine { get; init; }

    /// <summary>Failure audits (545-547): per source and event, the first of each interval is written, the rest summed up at its end.</summary>
    public TimeSpan FailureAuditInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Sources whose failures are written per interval; the others' are summed up in one record. Ten a minute keeps a
    /// flood from spoofed sources to at most 21 records a minute: 100,000 records (the default trail) last over three days.
    /// </summary>
    public int FailureAuditsPerInterval { get; init; } = 10;

    /// <summary>
    /// The defaults, with the fallback wait overridden by <c>RAMPART_IKE_FALLBACK_MS</c> and the dead peer idle period
    /// by <c>RAMPART_IKE_DPD_IDLE_MS</c> when set (tests shorten them).
    /// </summary>
    public static IkeControllerOptions FromEnvironment()
    {
        var options = new IkeControllerOptions();
        if (Milliseconds("RAMPART_IKE_FALLBACK_MS") is { } fallback)
        {
            options = options with { FallbackWait = fallback };
        }

        if (Milliseconds("RAMPART_IKE_DPD_IDLE_MS") is { } idle)
        {
            options = options with { DeadPeerIdle = idle };
        }

        return options;
    }

    private static TimeSpan? Milliseconds(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : null;
}

/// <summary>
/// The agent's IKE logic, driven serially by the agent's loop (or a test) with the current time: acquires
/// become negotiations with the peer the applied policy names; the engine's actions become SAs in the data path,
/// datagrams, audit records and trace lines; the walkthrough's fallback, one-minute block, idle delete, rekey,
/// policy change and restart behaviour lives here. A policy reaches IKE and the data path together, through
/// <see cref="ApplyPolicy"/>: an acquire handled afterwards is classified again under the new policy. Not thread-safe.
/// </summary>
public sealed partial class IkeController : IDisposable
{
    /// <summary>Peers remembered as heard from (only after they echoed our cookie); past it the oldest goes.</summary>
    internal const int MaxHeardPeers = 4096;

    // Longer than a Quick Mode can last (retransmits 1 + 2 + 4 + 8 + 16 s, then the engine gives up and deletes).
    private static readonly TimeSpan InboundOnlyLimit = TimeSpan.FromMinutes(2);

    /// <summary>How often the SAs' traffic is read for dead peer detection (not per packet: the data path only stamps times).</summary>
    private static readonly TimeSpan LivenessCheckInterval = TimeSpan.FromSeconds(1);
    private readonly IkeV1Engine _engine;
    private readonly DataPathEngine _dataPath;
    private readonly TimeProvider _time;
    private readonly IkeControllerOptions _options;
    private readonly Action<SendDatagram> _send;
    private readonly Action<IkeAuditRecord> _audit;
    private readonly FailureAuditLimiter _failureAudits;
    private readonly ILogger _logger;
    private readonly List<IkeAction> _actions = [];

    /// <summary>Peer configurations looked up for the engine (it keeps its own copies); their keys are zeroed after each call.</summary>
    private readonly List<IkeV1PeerConfig> _peerLookups = [];
    private readonly Dictionary<OutboundSaKey, PendingNegotiation> _pending = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _lastHeard = [];
    private readonly Dictionary<uint, InstalledPair> _pairs = [];
    private readonly Dictionary<uint, uint> _inboundByOutbound = [];
    private readonly Dictionary<uint, InboundOnly> _inboundOnly = [];
    private AppliedPolicy _applied;
    private DateTimeOffset? _engineDue;
    private DateTimeOffset _nextLivenessCheck;
    private long _deadPeers;
    private long _softAssociations;
    private long _keyAdditions;
    private long _keyDeletions;
    private long _rekeys;
    private long _negotiationFailures;

    public IkeController(DataPathEngine dataPath, TimeProvider time, IkeControllerOptions options, Action<SendDatagram> send, Action<IkeAuditRecord> audit, ILogger logger)
    {
        _dataPath = dataPath;
        _time = time;
        _options = options;
        _send = send;
        _audit = audit;
        _failureAudits = new FailureAuditLimiter(options.FailureAuditInterval, options.FailureAuditsPerInterval);
        _logger = logger;
        _applied = AppliedPolicy.None;
        var engineOptions = options.Engine ?? new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null };
        _engine = new IkeV1Engine(new IkeV1EngineOptions
        {
            FindPeer = remote => TrackLookup(PolicyIkeMapping.FindPeer(_applied, remote)),
            FindQuickMode = (_, selector) => PolicyIkeMapping.FindQuickMode(_applied, selector),
            RetransmitInitial = engineOptions.RetransmitInitial,
            MaxRetransmits = engineOptions.MaxRetransmits,
            HalfOpenTimeout = engineOptions.HalfOpenTimeout,
            MaxHalfOpen = engineOptions.MaxHalfOpen,
            MaxHalfOpenPerSource = engineOptions.MaxHalfOpenPerSource,
            CompletedExchangeLinger = engineOptions.CompletedExchangeLinger,
            DpdRetransmits = engineOptions.DpdRetransmits,
            MainModeRenewalPoint = engineOptions.MainModeRenewalPoint,
            MainModeRenewalRecheck = engineOptions.MainModeRenewalRecheck,
            ShouldRenewMainMode = IsSendingTo,
        });
    }

    /// <summary>When <see cref="OnTimer"/> must run next (engine retransmits and lifetimes, fallback waits, liveness checks while SAs exist); null = nothing due.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            var next = _engineDue;
            if (_failureAudits.NextDue is { } summaries && (next is null || summaries < next))
            {
                next = summaries;
            }

            if (_pairs.Count > 0 && (next is null || _nextLivenessCheck < next))
            {
                next = _nextLivenessCheck;
            }

            foreach (var pending in _pending.Values)
            {
                if (pending.FallbackAt is { } at && (next is null || at < next))
                {
                    next = at;
                }
            }

            return next;
        }
    }

    /// <summary>SA pairs this controller installed, by inbound SPI.</summary>
    public int InstalledPairs => _pairs.Count;

    public IkeStatistics Statistics() => new(
        _engine.Counters.MainModes,
        _engine.Counters.QuickModes,
        _softAssociations,
        _engine.Counters.AuthenticationFailures,
        _negotiationFailures,
        _pending.Count,
        _keyAdditions,
        _keyDeletions,
        _rekeys,
        _engine.Counters.Malformed,
        _engine.Counters.Retransmits,
        _deadPeers,
        _engine.Counters.MainModeRenewals)
    {
        HeardPeers = _lastHeard.Count,
        HalfOpen = _engine.HalfOpenCount,
        HalfOpenProven = _engine.HalfOpenProvenCount,
        HalfOpenEvicted = _engine.Counters.HalfOpenEvicted,
        HalfOpenRefused = _engine.Counters.HalfOpenRefused,
        FailureAuditsSuppressed = _failureAudits.Suppressed,
    };

    public IkeStatus Status()
    {
        var now = _time.GetUtcNow();
        return new IkeStatus(Statistics(), [.. _engine.MainModeSas().Select(sa => MainModeSaRow.From(sa, now))]);
    }

    /// <summary>A packet matched a Negotiate filter and has no SA: negotiate, or fail at once when the policy cannot say how.</summary>
    public void OnAcquire(Acquire acquire)
    {
        ArgumentNullException.ThrowIfNull(acquire);

        // Raised before a policy change this loop has applied since: what the new policy says about its packet counts.
        if (_dataPath.Reclassify(acquire) is not { } current)
        {
            return;
        }

        acquire = current;

        var now = _time.GetUtcNow();
        if (_pending.ContainsKey(acquire.Binding) || _inboundOnly.Values.Any(i => i.Binding == acquire.Binding)
            || _dataPath.Database.TryGetOutbound(acquire.Binding, out _))
        {
            // Ours, or the peer's Quick Mode for this traffic is completing (our reply to its first packet is held
            // until its third message installs our outbound SA), or an SA arrived after the packet asked: negotiating
            // again would only make a second pair.
            return;
        }

        if (!PolicyIkeMapping.TryMapAcquire(_applied, acquire, out var negotiation, out var failure))
        {
            _negotiationFailures++;
            _dataPath.MarkNegotiationFailed(acquire.Binding);
            _audit(IkeAuditRecords.Failure(acquire.PeerAddress, null, failure, null, peerAnswered: false));
            LogAcquireFailed(_logger, acquire.PeerAddress, failure);
            return;
        }

        var fallbackAt = acquire.Rule.AllowFallbackToClear ? now + _options.FallbackWait : (DateTimeOffset?)null;
        _pending[acquire.Binding] = new PendingNegotiation(acquire.Binding, negotiation!, now, fallbackAt, acquire.Rule.AllowFallbackToClear);
        LogAcquire(_logger, acquire.Binding, acquire.PeerAddress, negotiation!.Selector);
        _engine.Acquire(negotiation.Peer, negotiation.Local, negotiation.Selector, negotiation.QuickMode, now, _actions);
        Execute(now);
    }

    /// <summary>An IKE message arrived (<paramref name="message"/> starts at the ISAKMP header).</summary>
    public void OnDatagram(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        var now = _time.GetUtcNow();
        if (_engine.EchoesOurCookie(message, remote.Address))
        {
            // Only a sender that received our cookie counts as heard: spoofed sources would otherwise cost an entry each.
            Heard(remote.Address, now);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var summary = IkeMessageSummary.Describe(message);
            LogReceived(_logger, remote, local, summary);
        }

        if (local.Port == IkeTransport.NatTraversalPort || remote.Port == IkeTransport.NatTraversalPort)
        {
            // The engine reads port 4500 datagrams with their non-ESP marker, which the transport removed.
            var framed = new byte[message.Length + 4];
            message.CopyTo(framed.AsSpan(4));
            _engine.ProcessDatagram(framed, local, remote, now, _actions);
        }
        else
        {
            _engine.ProcessDatagram(message, local, remote, now, _actions);
        }

        Execute(now);
    }

    /// <summary>Runs the engine's due work and the fallback checks.</summary>
    public void OnTimer()
    {
        var now = _time.GetUtcNow();
        if (_engineDue is { } due && due <= now)
        {
            _engineDue = null;
            _engine.OnTimer(now, _actions);
            Execute(now);
        }

        _failureAudits.Flush(now, _audit);

        foreach (var pending in _pending.Values.Where(p => p.FallbackAt <= now).ToList())
        {
            pending.FallbackAt = null;
            var heard = _lastHeard.TryGetValue(pending.Negotiation.Peer.RemoteAddress, out var at) && at >= pending.Started;
            if (!heard && !_dataPath.Database.TryGetOutbound(pending.Binding, out _))
            {
                GoSoft(pending, now);
            }
        }

        if (now >= _nextLivenessCheck)
        {
            _nextLivenessCheck = now + LivenessCheckInterval;
            ForgetStaleInboundOnly(now);
            ForgetUnneededHeard();
            CheckLiveness(now);
        }
    }

    /// <summary>An SA reached a lifetime limit or idled: rekey an initiated pair in use, delete idle or expired ones (telling the peer).</summary>
    public void OnLifetime(SaLifetimeEvent lifetime)
    {
        var now = _time.GetUtcNow();
        var spec = lifetime.Sa.Spec;
        var inboundSpi = spec.Direction == Core.SecurityAssociations.SaDirection.Inbound ? spec.Spi : _inboundByOutbound.GetValueOrDefault(spec.Spi);
        if (!_pairs.TryGetValue(inboundSpi, out var pair))
        {
            return;
        }

        switch (lifetime.Kind)
        {
            case SaLifetimeEventKind.SoftExpired or SaLifetimeEventKind.SequenceExhausted:
                if (spec.Direction == Core.SecurityAssociations.SaDirection.Outbound && pair is { Rekey: { } negotiation, Binding: { } binding }
                    && !_pending.ContainsKey(binding) && IsCurrentOutbound(pair))
                {
                    _rekeys++;
                    _pending[binding] = new PendingNegotiation(binding, negotiation, now, null, false);
                    LogRekey(_logger, spec.Spi, pair.Peer);
                    _engine.Acquire(negotiation.Peer, negotiation.Local, negotiation.Selector, negotiation.QuickMode, now, _actions);
                    Execute(now);
                }

                break;
            case SaLifetimeEventKind.Idle or SaLifetimeEventKind.HardExpired:
                // Either half idle or expired ends the pair; a rekey's newer outbound SA is left alone (Remove checks).
                LogDeleting(_logger, inboundSpi, pair.Peer, lifetime.Kind);
                DeletePair(pair, now);
                break;
        }
    }

    /// <summary>
    /// Puts a policy in force, in the data path and in IKE at once: the data path swaps its snapshot (forgetting the
    /// old policy's pending acquires, soft associations and blocks), negotiations of the old policy are forgotten, and
    /// SAs no rule of the new policy would negotiate are deleted (the peer told).
    /// </summary>
    public void ApplyPolicy(AppliedPolicy applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        _dataPath.Apply(applied.Compiled);
        _applied = applied;
        var now = _time.GetUtcNow();
        _pending.Clear();
        foreach (var pair in _pairs.Values.ToList())
        {
            var keep = pair.Binding is { } binding
                ? pair.PolicyName == applied.Compiled.PolicyName && PolicyIkeMapping.BindingFor(applied, pair.Selector) == binding
                : PolicyIkeMapping.FindQuickMode(applied, pair.Selector) is not null;
            if (!keep)
            {
                LogDeleting(_logger, pair.InboundSpi, pair.Peer, null);
                DeletePair(pair, now);
            }
        }
    }

    /// <summary><c>rampart agent restart</c>: all IKE state is forgotten (the data path was reset just before).</summary>
    public void OnRestart()
    {
        _engine.Reset();
        _pending.Clear();
        _lastHeard.Clear();
        _pairs.Clear();
        _inboundOnly.Clear();
        _inboundByOutbound.Clear();
        _engineDue = null;
        _nextLivenessCheck = default;
        LogRestart(_logger);
    }

    public void Dispose() => _engine.Dispose();

    private void DeletePair(InstalledPair pair, DateTimeOffset now)
    {
        // The engine sends the delete and answers with DeleteIpsecSa; an SA it no longer knows (its ISAKMP SA is gone) is removed here.
        _engine.DeleteIpsecSa(pair.InboundSpi, now, _actions);
        Execute(now);
        if (_pairs.ContainsKey(pair.InboundSpi))
        {
            Remove(pair);
        }
    }

    private void GoSoft(PendingNegotiation pending, DateTimeOffset now)
    {
        // The data path's published decision is the one record of a soft association.
        if (_dataPath.IsSoft(pending.Binding))
        {
            return;
        }

        _softAssociations++;
        _dataPath.MarkSoft(pending.Binding);
        var peer = pending.Negotiation.Peer.RemoteAddress;
        LogSoft(_logger, peer, pending.Binding);
        _audit(IkeAuditRecords.Soft(peer, pending.Negotiation.Selector, now - pending.Started));
    }

    private IkeV1PeerConfig? TrackLookup(IkeV1PeerConfig? peer)
    {
        if (peer is not null)
        {
            _peerLookups.Add(peer);
        }

        return peer;
    }

    private void Execute(DateTimeOffset now)
    {
        // The engine call that looked these up has returned: the pre-shared key lookups are over.
        _peerLookups.ForEach(peer => peer.Dispose());
        _peerLookups.Clear();

        // Handlers may call the engine again (which appends to the same list), so take the batch first.
        while (_actions.Count > 0)
        {
            var batch = _actions.ToArray();
            _actions.Clear();
            foreach (var action in batch)
            {
                Execute(action, now);
            }
        }
    }

    private void Execute(IkeAction action, DateTimeOffset now)
    {
        switch (action)
        {
            case SendDatagram send:
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    var marker = send.Remote.Port == IkeTransport.NatTraversalPort || send.Local.Port == IkeTransport.NatTraversalPort ? 4 : 0;
                    var summary = IkeMessageSummary.Describe(send.Datagram.AsSpan(marker));
                    LogSent(_logger, send.Remote, send.Local, summary);
                }

                _send(send);
                break;
            case ArmTimer arm:
                _engineDue = arm.Due;
                break;
            case InstallInboundIpsecSa early:
                InstallInboundOnly(early.Inbound, now);
                break;
            case InstallIpsecSa install:
                Install(install.Inbound, install.Outbound);
                break;
            case DeleteIpsecSa delete:
                if (_pairs.TryGetValue(delete.InboundSpi, out var pair))
                {
                    Remove(pair);
                }
                else if (_inboundOnly.Remove(delete.InboundSpi))
                {
                    _dataPath.RemoveInbound(delete.InboundSpi);
                }

                break;
            case IkeAuditEvent audit:
                OnAudit(audit, now);
                break;
            case IkeLogEvent log:
                LogEngine(_logger, log.EventId, log.Message);
                break;
            case PeerDead dead:
                OnPeerDead(dead.Peer);
                break;
        }
    }

    private void Install(IpsecSaSpec inbound, IpsecSaSpec outbound)
    {
        var applied = _applied;
        var peer = outbound.Destination.Address;
        var pending = _pending.Values.FirstOrDefault(p => p.Negotiation.Peer.RemoteAddress.Equals(peer) && p.Negotiation.Selector == outbound.Selector);
        var binding = pending?.Binding ?? PolicyIkeMapping.BindingFor(applied, outbound.Selector);
        var inboundSpec = IkeSaMapping.ToSpec(inbound, inbound: true);
        var outboundSpec = IkeSaMapping.ToSpec(outbound, inbound: false);

        // Inbound first, so the peer's answer to the first released packet finds its SA; a responder's is there already.
        var inboundReady = _inboundOnly.Remove(inbound.Spi);
        bool installed;
        if (binding is { } key)
        {
            installed = inboundReady || _dataPath.InstallInbound(key, inboundSpec, out _);
            if (installed)
            {
                _dataPath.InstallOutbound(key, outboundSpec, out _);
            }
        }
        else
        {
            var selector = PolicyIkeMapping.ToDataPathSelector(outbound.Selector);
            installed = inboundReady || _dataPath.InstallInbound(selector, inboundSpec, out _);
            if (installed)
            {
                _dataPath.InstallOutbound(selector, outboundSpec, out _);
            }
        }

        if (pending is not null)
        {
            _pending.Remove(pending.Binding);
        }

        // Keys of a spec that did not become an SA (a responder's inbound SA was there already, or the SPI was taken).
        if (inboundReady)
        {
            inboundSpec.ZeroKeys();
        }

        if (!installed)
        {
            outboundSpec.ZeroKeys();
            LogInstallFailed(_logger, inbound.Spi);
            return;
        }

        _keyAdditions += 2;
        var pair = new InstalledPair(inbound.Spi, outbound.Spi, peer, binding, outbound.Selector, applied.Compiled.PolicyName, pending?.Negotiation);
        _pairs[inbound.Spi] = pair;
        _inboundByOutbound[outbound.Spi] = inbound.Spi;
        LogInstalled(_logger, inbound, outbound, binding);
        _audit(IkeAuditRecords.QuickModeEstablished(inbound, outbound));
    }

    /// <summary>
    /// A responder's inbound SA ahead of its pair (see <see cref="InstallInboundIpsecSa"/>); one whose Quick Mode never
    /// completes is removed by the engine's delete or, if its ISAKMP SA vanished first, by <see cref="ForgetStaleInboundOnly"/>.
    /// </summary>
    private void InstallInboundOnly(IpsecSaSpec inbound, DateTimeOffset now)
    {
        var spec = IkeSaMapping.ToSpec(inbound, inbound: true);
        var binding = PolicyIkeMapping.BindingFor(_applied, inbound.Selector);
        var installed = binding is { } key
            ? _dataPath.InstallInbound(key, spec, out _)
            : _dataPath.InstallInbound(PolicyIkeMapping.ToDataPathSelector(inbound.Selector), spec, out _);
        if (installed)
        {
            _inboundOnly[inbound.Spi] = new InboundOnly(binding, now);
        }
        else
        {
            spec.ZeroKeys();
        }
    }

    private void ForgetStaleInboundOnly(DateTimeOffset now)
    {
        foreach (var spi in _inboundOnly.Where(entry => now - entry.Value.Since > InboundOnlyLimit).Select(entry => entry.Key).ToList())
        {
            _inboundOnly.Remove(spi);
            _dataPath.RemoveInbound(spi);
        }
    }

    private void Remove(InstalledPair pair)
    {
        _pairs.Remove(pair.InboundSpi);
        _inboundByOutbound.Remove(pair.OutboundSpi);
        _dataPath.RemoveInbound(pair.InboundSpi);
        _keyDeletions++;
        if (!IsCurrentOutbound(pair))
        {
            return;
        }

        _keyDeletions++;
        if (pair.Binding is { } binding)
        {
            _dataPath.RemoveOutbound(binding);
        }
        else
        {
            _dataPath.RemoveOutbound(PolicyIkeMapping.ToDataPathSelector(pair.Selector));
        }
    }

    /// <summary>False once a rekey replaced the pair's outbound SA (the old inbound SA lives on until it expires).</summary>
    private bool IsCurrentOutbound(InstalledPair pair) => pair.Binding is { } binding
        ? _dataPath.Database.TryGetOutbound(binding, out var sa) && sa.Spec.Spi == pair.OutboundSpi
        : _dataPath.Database.OutboundSnapshot().Any(entry => entry.Value.Spec.Spi == pair.OutboundSpi);

    private void OnAudit(IkeAuditEvent audit, DateTimeOffset now)
    {
        // A Main Mode failure that ends no negotiation of ours was asked for by the peer, unauthenticated: rate limited.
        var unsolicited = audit.Kind == IkeAuditKind.NegotiationFailed && audit.Selector is null;
        if (audit.Kind == IkeAuditKind.NegotiationFailed)
        {
            // A Main Mode that failed while an established one with the peer remains (a renewal) held no quick modes of ours.
            var failed = audit.Selector is null && _engine.HasEstablishedSa(audit.Peer)
                ? []
                : _pending.Values.Where(p => p.Negotiation.Peer.RemoteAddress.Equals(audit.Peer) && (audit.Selector is null || p.Negotiation.Selector == audit.Selector)).ToList();
            if (!audit.PeerAnswered && failed.Count > 0 && failed.All(p => _dataPath.IsSoft(p.Binding)))
            {
                // The silent peer was already given a soft association (audited 548): giving up is no failure. The engine
                // reports the Main Mode first, then each waiting quick mode by selector; those end the pending state.
                if (audit.Selector is not null)
                {
                    failed.ForEach(p => _pending.Remove(p.Binding));
                }

                return;
            }

            unsolicited &= failed.Count == 0;
            foreach (var pending in failed)
            {
                _pending.Remove(pending.Binding);
                if (pending.AllowFallback && !audit.PeerAnswered)
                {
                    GoSoft(pending, now);
                }
                else
                {
                    // The peer answered (or fallback is not allowed): block the traffic for a minute, then retry.
                    _negotiationFailures++;
                    _dataPath.MarkNegotiationFailed(pending.Binding);
                }
            }
        }

        if (IkeAuditRecords.FromEngine(audit) is { } record && audit.Kind != IkeAuditKind.QuickModeEstablished)
        {
            if (unsolicited)
            {
                AuditFailure(audit.Peer, record, now);
            }
            else
            {
                _audit(record);
            }
        }
    }

    private void AuditFailure(IPAddress peer, IkeAuditRecord record, DateTimeOffset now)
    {
        if (_failureAudits.Admit(peer, record.EventId, now, _audit))
        {
            _audit(record);
        }
    }

    /// <summary>Records that <paramref name="peer"/> answered IKE (for the fallback wait), within <see cref="MaxHeardPeers"/>.</summary>
    private void Heard(IPAddress peer, DateTimeOffset now)
    {
        if (_lastHeard.Count >= MaxHeardPeers && !_lastHeard.ContainsKey(peer))
        {
            var oldest = _lastHeard.MinBy(entry => entry.Value).Key;
            _lastHeard.Remove(oldest);
        }

        _lastHeard[peer] = now;
    }

    /// <summary>Only the fallback wait of a pending negotiation reads when a peer was heard: other entries go.</summary>
    private void ForgetUnneededHeard()
    {
        if (_lastHeard.Count == 0)
        {
            return;
        }

        var waiting = _pending.Values.Where(p => p.FallbackAt is not null).Select(p => p.Negotiation.Peer.RemoteAddress).ToHashSet();
        foreach (var peer in _lastHeard.Keys.Where(peer => !waiting.Contains(peer)).ToList())
        {
            _lastHeard.Remove(peer);
        }
    }

    private sealed class PendingNegotiation(OutboundSaKey binding, IkeNegotiation negotiation, DateTimeOffset started, DateTimeOffset? fallbackAt, bool allowFallback)
    {
        public OutboundSaKey Binding { get; } = binding;

        public IkeNegotiation Negotiation { get; } = negotiation;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset? FallbackAt { get; set; } = fallbackAt;

        public bool AllowFallback { get; } = allowFallback;
    }

    private sealed record InboundOnly(OutboundSaKey? Binding, DateTimeOffset Since);

    /// <summary>An installed SA pair; <c>Rekey</c> is what to negotiate again near its lifetime (initiated pairs only: the initiator rekeys).</summary>
    private sealed record InstalledPair(uint InboundSpi, uint OutboundSpi, IPAddress Peer, OutboundSaKey? Binding, IkeSelector Selector, string PolicyName, IkeNegotiation? Rekey);

    [LoggerMessage(EventId = 500, Level = LogLevel.Debug, Message = "Acquire for {Binding}: negotiating with {Peer}, proxy identities {Selector}")]
    private static partial void LogAcquire(ILogger logger, OutboundSaKey binding, IPAddress peer, IkeSelector selector);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "Cannot negotiate with {Peer}: {Reason}")]
    private static partial void LogAcquireFailed(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "RECV from {Remote} on {Local}: {Message}")]
    private static partial void LogReceived(ILogger logger, IPEndPoint remote, IPEndPoint local, string message);

    [LoggerMessage(EventId = 503, Level = LogLevel.Debug, Message = "SEND to {Remote} from {Local}: {Message}")]
    private static partial void LogSent(ILogger logger, IPEndPoint remote, IPEndPoint local, string message);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "SA pair installed for {Binding}: in {Inbound}, out {Outbound}")]
    private static partial void LogInstalled(ILogger logger, IpsecSaSpec inbound, IpsecSaSpec outbound, OutboundSaKey? binding);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Inbound SPI {Spi} is taken; the negotiated SA pair was not installed")]
    private static partial void LogInstallFailed(ILogger logger, uint spi);

    [LoggerMessage(EventId = 506, Level = LogLevel.Information, Message = "{Peer} did not answer IKE: soft association for {Binding}, traffic flows unsecured")]
    private static partial void LogSoft(ILogger logger, IPAddress peer, OutboundSaKey binding);

    [LoggerMessage(EventId = 507, Level = LogLevel.Debug, Message = "Rekeying outbound SPI {Spi} with {Peer}")]
    private static partial void LogRekey(ILogger logger, uint spi, IPAddress peer);

    [LoggerMessage(EventId = 508, Level = LogLevel.Debug, Message = "Deleting SA pair (inbound SPI {Spi}) with {Peer}: {Reason} (none = policy change)")]
    private static partial void LogDeleting(ILogger logger, uint spi, IPAddress peer, SaLifetimeEventKind? reason);

    [LoggerMessage(EventId = 509, Level = LogLevel.Information, Message = "Agent restart: all IKE state cleared")]
    private static partial void LogRestart(ILogger logger);

    [LoggerMessage(EventId = 510, Level = LogLevel.Debug, Message = "engine {EngineEvent}: {Message}")]
    private static partial void LogEngine(ILogger logger, int engineEvent, string message);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "{Peer} is dead (no answer to dead peer detection): its SAs are removed, the next packet negotiates afresh")]
    private static partial void LogPeerDead(ILogger logger, IPAddress peer);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "{Peer} silent since {Heard:O} while we send to it: dead peer detection")]
    private static partial void LogProbing(ILogger logger, IPAddress peer, DateTimeOffset heard);
}
