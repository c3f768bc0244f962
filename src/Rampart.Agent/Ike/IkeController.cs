using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Bindings;
using Rampart.Agent.Policy;
using Rampart.Core.Monitoring;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;
using Rampart.Ike.V1;

namespace Rampart.Agent.Ike;

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
    private readonly IkeCertificateServices? _certificateServices;
    private readonly Action<Action> _post;

    /// <summary>Peer configurations looked up for the engine (it keeps its own copies); their keys are zeroed after each call.</summary>
    private readonly List<IkeV1PeerConfig> _peerLookups = [];
    private readonly BindingManager _bindings;
    private readonly Dictionary<IPAddress, DateTimeOffset> _lastHeard = [];
    private AppliedPolicy _applied;
    private DateTimeOffset? _engineDue;
    private DateTimeOffset _nextLivenessCheck;
    private long _deadPeers;
    private long _softAssociations;
    private long _rekeys;
    private long _negotiationFailures;

    /// <summary>
    /// <paramref name="certificateServices"/> (the certificate store and checker; null = rules' certificate methods are
    /// not usable) needs <paramref name="post"/>, which runs work on the loop later (a certificate check's verdict).
    /// </summary>
    public IkeController(
        DataPathEngine dataPath,
        TimeProvider time,
        IkeControllerOptions options,
        Action<SendDatagram> send,
        Action<IkeAuditRecord> audit,
        ILogger logger,
        IkeCertificateServices? certificateServices = null,
        Action<Action>? post = null)
    {
        if (certificateServices is not null && post is null)
        {
            throw new ArgumentException("checking certificates off the loop needs a way back onto it", nameof(post));
        }

        _certificateServices = certificateServices;
        _post = post ?? (_ => { });
        _dataPath = dataPath;
        _bindings = new BindingManager(dataPath, logger);
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
            FindPeer = remote => TrackLookup(PolicyIkeMapping.FindPeer(_applied, remote, _certificateServices?.Certificates, KerberosPrincipal)),
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
            Fragmentation = engineOptions.Fragmentation,
            FragmentSize = engineOptions.FragmentSize,
            MaxFragmentsPerMessage = engineOptions.MaxFragmentsPerMessage,
            MaxReassembledBytes = engineOptions.MaxReassembledBytes,
            MaxReassembliesPerPeer = engineOptions.MaxReassembliesPerPeer,
            MaxReassemblies = engineOptions.MaxReassemblies,
            ReassemblyTimeout = engineOptions.ReassemblyTimeout,
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

            if (_bindings.Pairs.Count > 0 && (next is null || _nextLivenessCheck < next))
            {
                next = _nextLivenessCheck;
            }

            foreach (var pending in _bindings.Negotiations)
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
    public int InstalledPairs => _bindings.Pairs.Count;

    /// <summary>The bindings' state; the loop's only (see <see cref="IkeService.OnLoopAsync{T}"/>).</summary>
    internal BindingManager Bindings => _bindings;

    public IkeStatistics Statistics() => new(
        _engine.Counters.MainModes,
        _engine.Counters.QuickModes,
        _softAssociations,
        _engine.Counters.AuthenticationFailures,
        _negotiationFailures,
        _bindings.Negotiations.Count,
        _bindings.KeyAdditions,
        _bindings.KeyDeletions,
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
        CertificatesRejected = _engine.Counters.CertificatesRejected,
        CrlFailures = _crlFailures,
        Fragments = new IkeFragmentCounters(_engine.Counters.FragmentsSent, _engine.Counters.FragmentsReceived, _engine.Counters.MessagesReassembled, _engine.Counters.ReassembliesDropped),
    };

    public IkeStatus Status()
    {
        var now = _time.GetUtcNow();
        return new IkeStatus(Statistics(), _engine.MainModeSas(now));
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
        if (_bindings.IsServed(acquire.Binding))
        {
            // Negotiating again would only make a second pair.
            return;
        }

        if (!PolicyIkeMapping.TryMapAcquire(_applied, acquire, out var negotiation, out var failure, _certificateServices?.Certificates, KerberosPrincipal))
        {
            _negotiationFailures++;
            _bindings.Block(acquire.Binding);
            _audit(IkeAuditRecords.Failure(acquire.PeerAddress, null, failure, null, peerAnswered: false));
            LogAcquireFailed(_logger, acquire.PeerAddress, failure);
            return;
        }

        var fallbackAt = acquire.Rule.AllowFallbackToClear ? now + _options.FallbackWait : (DateTimeOffset?)null;
        _bindings.StartNegotiation(new PendingNegotiation(acquire.Binding, negotiation!, now, fallbackAt, acquire.Rule.AllowFallbackToClear));
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

        _engine.ProcessDatagram(message, local, remote, now, _actions);
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

        foreach (var pending in _bindings.Negotiations.Where(p => p.FallbackAt <= now).ToList())
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
            _bindings.ForgetStaleInboundOnly(now);
            ForgetUnneededHeard();
            CheckLiveness(now);
        }
    }

    /// <summary>An SA reached a lifetime limit or idled: rekey an initiated pair in use, delete idle or expired ones (telling the peer).</summary>
    public void OnLifetime(SaLifetimeEvent lifetime)
    {
        var now = _time.GetUtcNow();
        var spec = lifetime.Sa.Spec;
        if (!_bindings.TryGetPair(spec.Spi, spec.Direction == Core.SecurityAssociations.SaDirection.Inbound, out var pair))
        {
            return;
        }

        switch (lifetime.Kind)
        {
            case SaLifetimeEventKind.SoftExpired or SaLifetimeEventKind.SequenceExhausted:
                if (spec.Direction == Core.SecurityAssociations.SaDirection.Outbound && pair is { Rekey: { } negotiation, Binding: { } binding }
                    && !_bindings.IsNegotiating(binding) && _bindings.IsCurrentOutbound(pair))
                {
                    _rekeys++;
                    _bindings.StartNegotiation(new PendingNegotiation(binding, negotiation, now, null, false));
                    LogRekey(_logger, spec.Spi, pair.Peer);
                    _engine.Acquire(negotiation.Peer, negotiation.Local, negotiation.Selector, negotiation.QuickMode, now, _actions);
                    Execute(now);
                }

                break;
            case SaLifetimeEventKind.Idle or SaLifetimeEventKind.HardExpired:
                // Either half idle or expired ends the pair; a rekey's newer outbound SA is left alone (Remove checks).
                LogDeleting(_logger, pair.InboundSpi, pair.Peer, lifetime.Kind);
                DeletePair(pair, now);
                break;
        }
    }

    /// <summary>
    /// Puts a policy in force, in the data path and in IKE at once: the data path swaps its snapshot (forgetting the
    /// old policy's pending acquires, soft associations and blocks), negotiations of the old policy are forgotten, and
    /// SAs no rule of the new policy would negotiate are deleted (the peer told). When the policy authenticates peers
    /// differently (a rule's methods or the default response's changed), the ISAKMP SAs authenticated under the old
    /// methods are retired, so the next Quick Mode authenticates afresh.
    /// </summary>
    public void ApplyPolicy(AppliedPolicy applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var authenticationChanged = !SameAuthentication(_applied, applied);
        _applied = applied;
        var now = _time.GetUtcNow();
        foreach (var pair in _bindings.ApplyPolicy(applied))
        {
            LogDeleting(_logger, pair.InboundSpi, pair.Peer, null);
            DeletePair(pair, now);
        }

        // After the deletes above, which need the ISAKMP SAs to tell the peers.
        if (authenticationChanged)
        {
            _engine.RetireMainModes(_actions);
            Execute(now);
        }
    }

    /// <summary><c>rampart agent restart</c>: all IKE state is forgotten (the data path was reset just before).</summary>
    public void OnRestart()
    {
        _engine.Reset();
        _bindings.Clear();
        _lastHeard.Clear();
        _engineDue = null;
        _nextLivenessCheck = default;
        LogRestart(_logger);
    }

    public void Dispose() => _engine.Dispose();

    /// <summary>Whether two policies authenticate every peer the same way (each rule's methods and the default response's).</summary>
    private static bool SameAuthentication(AppliedPolicy before, AppliedPolicy after)
    {
        if (before.Policy is not { } old || after.Policy is not { } current)
        {
            return before.Policy is null && after.Policy is null;
        }

        return old.Rules.Select(r => r.AuthenticationMethods).SequenceEqual(current.Rules.Select(r => r.AuthenticationMethods))
            && old.DefaultResponseRule == current.DefaultResponseRule
            && old.EffectiveDefaultResponseRule.AuthenticationMethods.Equals(current.EffectiveDefaultResponseRule.AuthenticationMethods);
    }

    private void DeletePair(InstalledPair pair, DateTimeOffset now)
    {
        // The engine sends the delete and answers with DeleteIpsecSa; an SA it no longer knows (its ISAKMP SA is gone) is removed here.
        _engine.DeleteIpsecSa(pair.InboundSpi, now, _actions);
        Execute(now);
        if (_bindings.HasPair(pair.InboundSpi))
        {
            _bindings.Remove(pair);
        }
    }

    private void GoSoft(PendingNegotiation pending, DateTimeOffset now)
    {
        // The data path's published decision is the one record of a soft association.
        if (_bindings.IsSoft(pending.Binding))
        {
            return;
        }

        _softAssociations++;
        _bindings.Soft(pending.Binding);
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
                    var summary = IkeMessageSummary.Describe(send.Datagram);
                    LogSent(_logger, send.Remote, send.Local, summary);
                }

                _send(send);
                break;
            case ArmTimer arm:
                _engineDue = arm.Due;
                break;
            case InstallInboundIpsecSa early:
                _bindings.InstallInboundOnly(early.Inbound, _applied, now);
                break;
            case InstallIpsecSa install:
                if (_bindings.Install(install.Inbound, install.Outbound, _applied) is not null)
                {
                    _audit(IkeAuditRecords.QuickModeEstablished(install.Inbound, install.Outbound));
                }

                break;
            case DeleteIpsecSa delete:
                _bindings.Deleted(delete.InboundSpi);
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
            case ValidatePeerCertificate validate:
                Validate(validate);
                break;
            case Rampart.Ike.GssStep step:
                RunGssStep(step);
                break;
            case ReleaseGssContext release:
                ReleaseGss(release.ContextId);
                break;
        }
    }

    private void OnAudit(IkeAuditEvent audit, DateTimeOffset now)
    {
        // A Main Mode failure that ends no negotiation of ours was asked for by the peer, unauthenticated: rate limited.
        // A refused certificate is such a failure too: any self-signed certificate gets that far.
        var failure = audit.Kind is IkeAuditKind.NegotiationFailed or IkeAuditKind.CertificateRejected;
        var unsolicited = failure && audit.Selector is null;
        if (failure)
        {
            // A Main Mode that failed while an established one with the peer remains (a renewal) held no quick modes of ours.
            var failed = audit.Selector is null && _engine.HasEstablishedSa(audit.Peer)
                ? []
                : _bindings.NegotiationsWith(audit.Peer, audit.Selector);
            if (!audit.PeerAnswered && failed.Count > 0 && failed.All(p => _bindings.IsSoft(p.Binding)))
            {
                // The silent peer was already given a soft association (audited 548): giving up is no failure. The engine
                // reports the Main Mode first, then each waiting quick mode by selector; those end the pending state.
                if (audit.Selector is not null)
                {
                    failed.ForEach(p => _bindings.EndNegotiation(p.Binding));
                }

                return;
            }

            unsolicited &= failed.Count == 0;
            foreach (var pending in failed)
            {
                _bindings.EndNegotiation(pending.Binding);
                if (pending.AllowFallback && !audit.PeerAnswered)
                {
                    GoSoft(pending, now);
                }
                else
                {
                    // The peer answered (or fallback is not allowed): block the traffic for a minute, then retry.
                    _negotiationFailures++;
                    _bindings.Block(pending.Binding);
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

        var waiting = _bindings.Negotiations.Where(p => p.FallbackAt is not null).Select(p => p.Negotiation.Peer.RemoteAddress).ToHashSet();
        foreach (var peer in _lastHeard.Keys.Where(peer => !waiting.Contains(peer)).ToList())
        {
            _lastHeard.Remove(peer);
        }
    }
}
