using Rampart.Ike.V1;

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
    /// The defaults, with the fallback wait overridden by <c>RAMPART_IKE_FALLBACK_MS</c>, the dead peer idle period
    /// by <c>RAMPART_IKE_DPD_IDLE_MS</c> (tests shorten them) and the IKE fragment size (the largest IP packet an IKE
    /// message fills) by <c>RAMPART_IKE_FRAGMENT_SIZE</c> when set (tests make messages leave in fragments).
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

        if (Number("RAMPART_IKE_FRAGMENT_SIZE") is { } fragmentSize)
        {
            options = options with { Engine = new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null, FragmentSize = Math.Max(fragmentSize, IkeV1EngineOptions.MinFragmentSize) } };
        }

        return options;
    }

    private static TimeSpan? Milliseconds(string variable) => Number(variable) is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : null;

    private static int? Number(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
}
