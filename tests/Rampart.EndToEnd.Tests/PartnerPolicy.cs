using Rampart.Lab;

namespace Rampart.EndToEnd.Tests;

/// <summary>The walkthrough's Partner policy, built with the CLI on a lab host.</summary>
internal static class PartnerPolicy
{
    /// <summary>A mirrored filter from me to the partner, a Negotiate action without fallback, a PSK rule (optionally tunnelling to the partner); assigned.</summary>
    public static void BuildPartnerPolicy(this AgentHost host, string partner, string psk, string method, bool tunnel = false)
    {
        host.Cli("filterlist", "create", "Partner Filter");
        host.Cli("filter", "add", "Partner Filter", "--src", "me", "--dst", partner);
        host.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", method);
        host.Cli("policy", "create", "Partner");
        host.Cli(["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:" + psk, .. tunnel ? new[] { "--tunnel", partner } : []]);
        host.Assign("Partner");
    }
}
