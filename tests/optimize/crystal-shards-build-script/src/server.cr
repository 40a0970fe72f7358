require "kemal"

get "/" { "Hello" }
Kemal.run
