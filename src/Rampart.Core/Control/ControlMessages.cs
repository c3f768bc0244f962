using System.Text.Json;

namespace Rampart.Core.Control;

/// <summary>
/// One request to the agent's control socket. The wire format is one JSON object per line (UTF-8),
/// answered by exactly one <see cref="ControlResponse"/> line; a connection may carry many requests.
/// </summary>
public sealed record ControlRequest(string Command, JsonElement? Arguments = null);

/// <summary>The agent's answer: <see cref="Result"/> on success, a human-readable <see cref="Error"/> otherwise.</summary>
public sealed record ControlResponse(bool Ok, string? Error = null, JsonElement? Result = null);

/// <summary>Where the control socket lives inside the state directory (RAMPART_HOME).</summary>
public static class ControlEndpoint
{
    public const string SocketFileName = "rampartd.sock";

    public static string SocketPath(string home) => Path.Combine(home, SocketFileName);
}
