using System.Net;
using Rampart.Core;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>The ISAKMP SA table on its own: lookups by cookie and peer, and the half-open bounds the engine relies on.</summary>
public class Phase1SaTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPEndPoint Local = new(IPAddress.Parse("192.0.2.2"), IkePorts.Ike);
    private static readonly IkeV1EngineOptions Options = new() { FindPeer = _ => null, FindQuickMode = (_, _) => null, MaxHalfOpen = 3, MaxHalfOpenPerSource = 2 };
    private static ulong _cookie = 0x1000;

    [Fact]
    public void PerSourceBound_EvictsThatSourcesOldestUnproven_AndRefusesWhenAllAreProven()
    {
        var table = new Phase1SaTable(Options);
        var first = Responded(table, "198.51.100.1");
        var second = Responded(table, "198.51.100.1");

        var third = Responded(table, "198.51.100.1", out var admitted, out var evicted);
        Assert.True(admitted);
        Assert.Equal(1, evicted);
        Assert.False(table.Contains(first));
        Assert.True(table.Contains(second) && table.Contains(third));

        // Both states of that source proven (MM3 echoed our cookie): a new MM1 from it is refused, nothing evicted.
        Assert.True(table.ProveHalfOpen(second));
        Assert.True(table.ProveHalfOpen(third));
        Responded(table, "198.51.100.1", out admitted, out evicted);
        Assert.False(admitted);
        Assert.Equal(0, evicted);
        Assert.Equal(2, table.HalfOpenProvenCount);
    }

    [Fact]
    public void GlobalBound_EvictsTheOldestUnproven_NeverAProvenOne()
    {
        var table = new Phase1SaTable(Options);
        var proven = Responded(table, "198.51.100.1");
        Assert.True(table.ProveHalfOpen(proven));
        var oldest = Responded(table, "198.51.100.2");
        var newer = Responded(table, "198.51.100.3");
        var third = Responded(table, "198.51.100.4");

        Responded(table, "198.51.100.5", out var admitted, out var evicted);

        Assert.True(admitted);
        Assert.Equal(1, evicted);
        Assert.True(table.Contains(proven));
        Assert.False(table.Contains(oldest));
        Assert.True(table.Contains(newer) && table.Contains(third));
        Assert.Equal(4, table.HalfOpenCount);
    }

    [Fact]
    public void Lookups_FindByBothCookies_ByInitiatorCookieAndAddress_AndPreferTheNewestEstablished()
    {
        var table = new Phase1SaTable(Options);
        var responded = Responded(table, "198.51.100.1");
        var header = new IsakmpHeader(responded.CookieI, responded.CookieR, PayloadType.None, ExchangeType.IdentityProtection, IsakmpFlags.None, 0, 0);

        Assert.Same(responded, table.FindByCookies(header));
        Assert.Null(table.FindByCookies(header with { InitiatorCookie = responded.CookieI + 1 }));
        Assert.Same(responded, table.FindResponded(responded.CookieI, IPAddress.Parse("198.51.100.1")));
        Assert.Null(table.FindResponded(responded.CookieI, IPAddress.Parse("198.51.100.9")));

        var peer = IPAddress.Parse("198.51.100.1");
        var older = Initiated(table, peer, Now);
        var newer = Initiated(table, peer, Now.AddMinutes(1));
        Assert.Contains(table.Best(peer), new[] { responded, older, newer }); // nothing established yet: any one being negotiated
        older.State = Phase1State.Established;
        newer.State = Phase1State.Established;
        Assert.Same(newer, table.Best(peer));

        table.Remove(newer);
        Assert.Same(older, table.Best(peer));
        Assert.Equal(2, table.Count);
    }

    private static Phase1Sa Responded(Phase1SaTable table, string remote) => Responded(table, remote, out _, out _);

    private static Phase1Sa Responded(Phase1SaTable table, string remote, out bool admitted, out int evicted)
    {
        var phase1 = new Phase1Sa(++_cookie, false, Peer(remote), Local, new IPEndPoint(IPAddress.Parse(remote), IkePorts.Ike), Now)
        {
            CookieR = ++_cookie,
            State = Phase1State.ResponderSentSa,
        };
        admitted = table.EnterHalfOpen(phase1, out evicted);
        if (admitted)
        {
            table.AddResponded(phase1);
        }

        return phase1;
    }

    private static Phase1Sa Initiated(Phase1SaTable table, IPAddress remote, DateTimeOffset created)
    {
        var phase1 = new Phase1Sa(++_cookie, true, Peer(remote.ToString()), Local, new IPEndPoint(remote, IkePorts.Ike), created);
        table.AddInitiated(phase1);
        return phase1;
    }

    private static IkeV1PeerConfig Peer(string remote) => TwoEngines.Peer(IPAddress.Parse(remote), TwoEngines.Psk);
}
