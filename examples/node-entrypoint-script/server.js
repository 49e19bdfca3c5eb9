console.log("server started");
