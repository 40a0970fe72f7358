var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => "Hello World!");
app.MapGet("/todos", () => new[] { new { Id = 1, Title = "Ship it" } });

app.Run();
