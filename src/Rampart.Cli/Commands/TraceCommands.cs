using System.CommandLine;
using System.Text.Json;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart trace ike|agent on|off</c> and <c>rampart trace status</c>: the IKE trace (the walkthrough's Oakley.log)
/// and the policy agent trace (ipsecpa.log), size-limited files under RAMPART_HOME/trace.
/// </summary>
internal static class TraceCommands
{
    public static Command Create() => new("trace", "Switch the IKE and policy agent traces and show where they are written")
    {
        Switch("ike", "The IKE trace (Oakley.log): each IKE message and decision"),
        Switch("agent", "The policy agent trace (ipsecpa.log): the policy handed to the data path and IKE"),
        Status(),
    };

    private static Command Switch(string trace, string description)
    {
        var state = new Argument<string>("state") { Description = "on or off" };
        state.AcceptOnlyFromAmong("on", "off");
        var command = new Command(trace, description) { state };
        command.SetAction(parse => AgentClient.Run(
            "trace.set",
            new { Trace = trace, Enabled = parse.GetValue(state) == "on" },
            json: false,
            result => Print(result.EnumerateArray().Where(t => t.GetProperty("trace").GetString() == trace))));
        return command;
    }

    private static Command Status()
    {
        var json = Cli.JsonOption();
        var command = new Command("status", "Show whether each trace is on and its file") { json };
        command.SetAction(parse => AgentClient.Run("trace.status", null, parse.GetValue(json), result => Print(result.EnumerateArray())));
        return command;
    }

    private static void Print(IEnumerable<JsonElement> traces)
    {
        foreach (var trace in traces)
        {
            Console.WriteLine($"{trace.GetProperty("trace").GetString()} trace {(trace.GetProperty("enabled").GetBoolean() ? "on" : "off")}: {trace.GetProperty("path").GetString()}");
        }
    }
}
