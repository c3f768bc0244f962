using System.Buffers.Binary;
using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// The engine's ISAKMP SAs: lookup by cookies and by peer, and the half-open bounds. Responder Main Modes not yet
/// authenticated are bounded per source and in all (<see cref="IkeV1EngineOptions.MaxHalfOpenPerSource"/>,
/// <see cref="IkeV1EngineOptions.MaxHalfOpen"/>); only unproven ones (MM2 sent, no MM3) are evicted, oldest first, so a
/// spoofed flood of MM1s never pushes out a negotiation whose initiator received our cookie.
/// </summary>
internal sealed class Phase1SaTable(IkeV1EngineOptions options)
{
    private readonly Dictionary<ulong, Phase1Sa> _initiated = [];
    private readonly Dictionary<ulong, Phase1Sa> _responded = [];
    private readonly Dictionary<(ulong CookieI, IPAddress Remote), Phase1Sa> _respondedByInitiatorCookie = [];
    private readonly LinkedList<Phase1Sa> _halfOpen = new();
    private readonly Dictionary<IPAddress, int> _halfOpenPerSource = [];
    private int _halfOpenProven;

    /// <summary>All ISAKMP SAs, in any state.</summary>
    public int Count => _initiated.Count + _responded.Count;

    /// <summary>Responder Main Modes not yet authenticated (unproven and proven).</summary>
    public int HalfOpenCount => _halfOpen.Count + _halfOpenProven;

    /// <summary>Responder Main Modes past MM3, which a flood of new ones never evicts.</summary>
    public int HalfOpenProvenCount => _halfOpenProven;

    public IEnumerable<Phase1Sa> All => _initiated.Values.Concat(_responded.Values);

    /// <summary>A Main Mode we started, by our (initiator) cookie.</summary>
    public void AddInitiated(Phase1Sa phase1) => _initiated[phase1.CookieI] = phase1;

    /// <summary>A Main Mode we answer, by our (responder) cookie and by the initiator's cookie and address.</summary>
    public void AddResponded(Phase1Sa phase1)
    {
        _responded[phase1.CookieR] = phase1;
        _respondedByInitiatorCookie[(phase1.CookieI, phase1.Remote.Address)] = phase1;
    }

    /// <summary>The Main Mode we answer for this initiator cookie from <paramref name="remote"/> (a retransmitted MM1).</summary>
    public Phase1Sa? FindResponded(ulong cookieI, IPAddress remote) =>
        _respondedByInitiatorCookie.TryGetValue((cookieI, remote), out var phase1) ? phase1 : null;

    /// <summary>Finds the ISAKMP SA a message with both cookies belongs to.</summary>
    public Phase1Sa? FindByCookies(in IsakmpHeader header)
    {
        if (_initiated.TryGetValue(header.InitiatorCookie, out var initiated) && (initiated.CookieR == header.ResponderCookie || initiated.CookieR == 0))
        {
            return initiated;
        }

        return _responded.TryGetValue(header.ResponderCookie, out var responded) && responded.CookieI == header.InitiatorCookie ? responded : null;
    }

    /// <summary>Whether <paramref name="message"/>'s header carries a cookie we sent to <paramref name="remote"/>.</summary>
    public bool EchoesOurCookie(ReadOnlySpan<byte> message, IPAddress remote)
    {
        if (message.Length < IsakmpHeader.Size)
        {
            return false;
        }

        var cookieI = BinaryPrimitives.ReadUInt64BigEndian(message);
        var cookieR = BinaryPrimitives.ReadUInt64BigEndian(message[8..]);
        return (_initiated.TryGetValue(cookieI, out var initiated) && initiated.Remote.Address.Equals(remote))
            || (cookieR != 0 && _responded.TryGetValue(cookieR, out var responded) && responded.CookieI == cookieI && responded.Remote.Address.Equals(remote));
    }

    /// <summary>The ISAKMP SA to use with <paramref name="remote"/>: the newest established one (a renewal replaces its predecessor), else one being negotiated.</summary>
    public Phase1Sa? Best(IPAddress remote)
    {
        Phase1Sa? best = null;
        foreach (var phase1 in All)
        {
            if (phase1.Remote.Address.Equals(remote) && (best is null || Better(phase1, best)))
            {
                best = phase1;
            }
        }

        return best;

        static bool Better(Phase1Sa candidate, Phase1Sa best) => candidate.State == Phase1State.Established
            && (best.State != Phase1State.Established || candidate.Created > best.Created);
    }

    public IEnumerable<Phase1Sa> EstablishedWith(IPAddress peer) =>
        All.Where(p => p.State == Phase1State.Established && p.Remote.Address.Equals(peer));

    /// <summary>False once <paramref name="phase1"/> was removed or replaced under its cookie.</summary>
    public bool Contains(Phase1Sa phase1) => phase1.IsInitiator
        ? _initiated.TryGetValue(phase1.CookieI, out var initiated) && initiated == phase1
        : _responded.TryGetValue(phase1.CookieR, out var responded) && responded == phase1;

    /// <summary>Forgets <paramref name="phase1"/> and disposes it (its keys are zeroed).</summary>
    public void Remove(Phase1Sa phase1)
    {
        if (phase1.IsInitiator)
        {
            _initiated.Remove(phase1.CookieI);
        }
        else
        {
            _responded.Remove(phase1.CookieR);
            _respondedByInitiatorCookie.Remove((phase1.CookieI, phase1.Remote.Address));
        }

        LeaveHalfOpen(phase1);
        phase1.Dispose();
    }

    /// <summary>Disposes and forgets every ISAKMP SA (agent restart).</summary>
    public void Clear()
    {
        foreach (var phase1 in All.ToList())
        {
            phase1.Dispose();
        }

        _initiated.Clear();
        _responded.Clear();
        _respondedByInitiatorCookie.Clear();
        _halfOpen.Clear();
        _halfOpenProven = 0;
        _halfOpenPerSource.Clear();
    }

    /// <summary>
    /// Admits a new responder state within the per-source and global bounds, evicting unproven states oldest first:
    /// anyone can send MM1 from any address, but a state past MM3 belongs to an initiator that received our cookie.
    /// False (nothing kept) when the source's states are all proven; <paramref name="evicted"/> counts the states removed.
    /// </summary>
    public bool EnterHalfOpen(Phase1Sa phase1, out int evicted)
    {
        evicted = 0;
        var address = phase1.Remote.Address;
        if (_halfOpenPerSource.TryGetValue(address, out var fromSource) && fromSource >= options.MaxHalfOpenPerSource)
        {
            for (var node = _halfOpen.First; node is not null; node = node.Next)
            {
                if (node.Value.Remote.Address.Equals(address))
                {
                    Remove(node.Value);
                    evicted++;
                    break;
                }
            }

            if (evicted == 0)
            {
                return false;
            }
        }

        while (_halfOpen.Count >= options.MaxHalfOpen && _halfOpen.First is { } oldest)
        {
            Remove(oldest.Value);
            evicted++;
        }

        phase1.HalfOpenNode = _halfOpen.AddLast(phase1);
        _halfOpenPerSource[address] = _halfOpenPerSource.GetValueOrDefault(address) + 1;
        return true;
    }

    /// <summary>
    /// A valid MM3 echoed our responder cookie: the state leaves the evictable list. Proven states are bounded by
    /// <see cref="IkeV1EngineOptions.MaxHalfOpen"/> too (they end at the half-open timeout); false when that is reached,
    /// and the MM3 is dropped without the Diffie-Hellman work (the initiator retransmits it).
    /// </summary>
    public bool ProveHalfOpen(Phase1Sa phase1)
    {
        if (phase1.HalfOpenNode is null)
        {
            return true;
        }

        if (_halfOpenProven >= options.MaxHalfOpen)
        {
            return false;
        }

        _halfOpen.Remove(phase1.HalfOpenNode);
        phase1.HalfOpenNode = null;
        phase1.HalfOpenProven = true;
        _halfOpenProven++;
        return true;
    }

    /// <summary>The state is authenticated or gone: it no longer counts against the half-open bounds.</summary>
    public void LeaveHalfOpen(Phase1Sa phase1)
    {
        if (phase1.HalfOpenNode is not null)
        {
            _halfOpen.Remove(phase1.HalfOpenNode);
            phase1.HalfOpenNode = null;
        }
        else if (phase1.HalfOpenProven)
        {
            phase1.HalfOpenProven = false;
            _halfOpenProven--;
        }
        else
        {
            return;
        }

        var address = phase1.Remote.Address;
        if (_halfOpenPerSource.TryGetValue(address, out var count) && count > 1)
        {
            _halfOpenPerSource[address] = count - 1;
        }
        else
        {
            _halfOpenPerSource.Remove(address);
        }
    }
}
