package com.example.notes;

import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the notes table as JSON on port 8080. */
@SpringBootApplication
@RestController
public class Application {
    private final JdbcTemplate jdbc;

    public Application(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/")
    public List<String> notes() {
        return jdbc.queryForList("SELECT body FROM note", String.class);
    }

    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }
}
